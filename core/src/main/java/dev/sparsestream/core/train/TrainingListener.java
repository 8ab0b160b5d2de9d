package dev.sparsestream.core.train;

/** Progress callbacks of a {@link Trainer}; both default to doing nothing. */
public interface TrainingListener {
    /** After every training batch; epoch is 1-based, batch 0-based out of batches. */
    default void onBatch(int epoch, int batch, int batches, BatchMetrics metrics) {
    }

    /** After every epoch's validation; isBest says whether it is the best epoch so far. */
    default void onEpoch(EpochReport report, boolean isBest) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
