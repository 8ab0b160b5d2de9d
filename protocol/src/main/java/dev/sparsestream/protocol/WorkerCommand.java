package dev.sparsestream.protocol;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import org.apache.pekko.actor.typed.ActorRef;

/** What an inference worker is told: new weights, and batches to infer codes for. */
public sealed interface WorkerCommand permits WorkerCommand.UpdateWeights, WorkerCommand.InferBatch {

    /** A new weight version; the worker infers every later batch with it. */
    record UpdateWeights(Weights weights) implements WorkerCommand {
    }

    /**
     * Run FISTA with encoder warm start on {@code batch} with the worker's current weights, which are
     * version {@code weightsVersion} (sent before this message by the same sender), and reply with
     * {@link LearnerCommand.CodesComputed}.
     */
    record InferBatch(Batch batch, FistaParams params, long weightsVersion, ActorRef<LearnerCommand> replyTo)
            implements WorkerCommand {
    }
}
