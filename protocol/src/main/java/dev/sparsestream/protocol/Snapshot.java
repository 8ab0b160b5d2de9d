package dev.sparsestream.protocol;

import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.AdamOptimizer;
import dev.sparsestream.core.train.LambdaChange;
import java.util.List;

/**
 * Everything needed to continue a run exactly where it was. The training data's order is a function of
 * (seed, epoch) (see BatchOrder), so the data cursor {@code nextSeq} with the seed in the configuration
 * restores the shuffle state; no other random generator is used while training.
 *
 * @param projectVersion the sparse-stream version that wrote it
 * @param configJson     the run's configuration (ModelStore's JSON form; lambda there is the initial one)
 * @param weights        the learner's current weights
 * @param decoderAdam    Adam's moments, step count and learning rate for the decoder
 * @param encoderAdam    the same for the encoder; null for decoder-only models
 * @param lambda         the current lambda
 * @param lambdaHistory  every change of lambda, in order
 * @param nextSeq        the first batch not yet applied; batches in flight are inferred again on resume
 * @param monitor        the metric history and early-stopping state
 * @param reason         why it was written (epoch end, periodic, control, interrupt)
 */
public record Snapshot(String projectVersion, String configJson, Weights weights, AdamOptimizer.State decoderAdam,
                       AdamOptimizer.State encoderAdam, double lambda, List<LambdaChange> lambdaHistory, long nextSeq,
                       MonitorState monitor, long createdEpochMillis, String reason) {
    public Snapshot {
        lambdaHistory = List.copyOf(lambdaHistory);
    }

    /** This snapshot with the monitor's state (the learner's part is taken first, the monitor's when it answers). */
    public Snapshot withMonitor(MonitorState state) {
        return new Snapshot(projectVersion, configJson, weights, decoderAdam, encoderAdam, lambda, lambdaHistory, nextSeq,
                state, createdEpochMillis, reason);
    }
}
