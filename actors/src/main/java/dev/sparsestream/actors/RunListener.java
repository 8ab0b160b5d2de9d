package dev.sparsestream.actors;

import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.protocol.BatchRecord;

/**
 * What the monitor reports as the run goes (the command line's progress bar, the dashboard).
 * Called on the monitor's thread: implementations must be quick and must not block.
 */
public interface RunListener {
    default void onBatch(BatchRecord record, int batchesPerEpoch) {
    }

    default void onEpoch(EpochReport report, boolean isBest) {
    }

    default void onLambda(LambdaChange change) {
    }

    RunListener NONE = new RunListener() {
    };

    /** Tells each of {@code listeners}, in order. */
    static RunListener all(RunListener... listeners) {
        RunListener[] copy = listeners.clone();
        return new RunListener() {
            @Override
            public void onBatch(BatchRecord record, int batchesPerEpoch) {
                for (RunListener l : copy) {
                    l.onBatch(record, batchesPerEpoch);
                }
            }

            @Override
            public void onEpoch(EpochReport report, boolean isBest) {
                for (RunListener l : copy) {
                    l.onEpoch(report, isBest);
                }
            }

            @Override
            public void onLambda(LambdaChange change) {
                for (RunListener l : copy) {
                    l.onLambda(change);
                }
            }
        };
    }
}
