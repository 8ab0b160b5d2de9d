package dev.sparsestream.actors;

import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LambdaChange;

/**
 * What the monitor reports as the run goes (the command line's progress bar, later the dashboard).
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
}
