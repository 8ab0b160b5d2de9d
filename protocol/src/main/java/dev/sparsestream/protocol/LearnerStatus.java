package dev.sparsestream.protocol;

import dev.sparsestream.core.model.Weights;
import java.util.Objects;

/**
 * What the learner is doing now, for the dashboard.
 *
 * @param weightsVersion     the current weight version (one per applied batch)
 * @param nextSeq            the sequence number of the next batch to apply
 * @param lambda             lambda for the next batch dispatched
 * @param paused             no new batches are dispatched
 * @param stopping           a stop was requested or the run is finishing
 * @param inFlight           batches being inferred by workers
 * @param workers            workers that have registered
 * @param lastSnapshotMillis when the last snapshot was written (epoch milliseconds; 0: none yet)
 * @param lastSnapshotReason why it was written (null: none yet)
 * @param usageSamples       how many training samples {@code componentUsage} counts (the last few batches)
 * @param componentUsage     (l) per component, the fraction of those samples whose FISTA code is non-zero;
 *                           never written after construction
 * @param weights            the current weights (shared, immutable by convention)
 */
public record LearnerStatus(long weightsVersion, long nextSeq, double lambda, boolean paused, boolean stopping,
                            int inFlight, int workers, long lastSnapshotMillis, String lastSnapshotReason,
                            int usageSamples, float[] componentUsage, Weights weights) {
    public LearnerStatus {
        Objects.requireNonNull(componentUsage, "componentUsage");
        Objects.requireNonNull(weights, "weights");
    }
}
