package dev.sparsestream.protocol;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What an inference worker is told: the model it serves, new weights, and batches to infer codes for. The
 * learner sends a worker weights just before the first batch that needs them (messages from one sender
 * arrive in order), so a worker that joins late holds current weights before its first batch.
 */
public sealed interface WorkerCommand permits WorkerCommand.Configure, WorkerCommand.UpdateWeights,
        WorkerCommand.InferBatch, WorkerCommand.Local {

    /**
     * Sent to a worker that holds no model yet (new, or restarted): the model's configuration, as JSON
     * (the form snapshots keep; workers on other nodes know nothing of the run), and its current weights.
     */
    record Configure(String configJson, Weights weights) implements WorkerCommand {
        public Configure {
            java.util.Objects.requireNonNull(configJson, "configJson");
            java.util.Objects.requireNonNull(weights, "weights");
        }
    }

    /**
     * Messages a learner sends the workers of its own node only (weights lent in place): never serialised, so
     * they stay private to the implementation.
     */
    non-sealed interface Local extends WorkerCommand, org.apache.pekko.actor.NoSerializationVerificationNeeded {
    }

    /** A new weight version; the worker infers every later batch with it. */
    record UpdateWeights(Weights weights) implements WorkerCommand {
    }

    /**
     * Run FISTA with encoder warm start on {@code batch} with the worker's current weights, which are
     * version {@code weightsVersion} (sent before this message by the same sender), and reply with
     * {@link LearnerCommand.CodesComputed}, with the encoder's activations behind the warm start: the learner's
     * update reuses them, so the encoder runs once per batch.
     */
    record InferBatch(Batch batch, FistaParams params, long weightsVersion, ActorRef<LearnerCommand> replyTo)
            implements WorkerCommand {
    }
}
