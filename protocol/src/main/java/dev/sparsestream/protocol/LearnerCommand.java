package dev.sparsestream.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/** What the learner is told by workers, the monitor and the run's controls. */
public sealed interface LearnerCommand permits LearnerCommand.WorkerReady, LearnerCommand.CodesComputed,
        LearnerCommand.EpochValidated, LearnerCommand.SetLambda, LearnerCommand.TakeSnapshot, LearnerCommand.Stop,
        LearnerCommand.Pause, LearnerCommand.Resume, LearnerCommand.GetStatus, LearnerCommand.DataRead,
        LearnerCommand.Local {

    /** A worker (re)started and holds no weights; any batch it was given is lost and must be retried. */
    record WorkerReady(ActorRef<WorkerCommand> worker) implements LearnerCommand {
    }

    /**
     * A worker's answer to the training set offered in {@link WorkerCommand.Configure}: {@code problem} null when it
     * read the same set on its node (it may be sent {@link WorkerCommand.InferRows} from now on), else why not (it is
     * sent pixels).
     */
    record DataRead(ActorRef<WorkerCommand> worker, String problem) implements LearnerCommand {
        public DataRead {
            java.util.Objects.requireNonNull(worker, "worker");
        }
    }

    /**
     * Codes for batch {@code seq}, inferred with weight version {@code weightsVersion}.
     *
     * @param codes       (rows, codeDim) row-major, never written after construction; null from a worker on the
     *                    learner's own node, which left them (and the encoder pass) in the learner's memory
     * @param encoderPass the encoder's activations behind the warm start (blocks of (rows, codeDim), one per
     *                    LISTA stage); null for a model without an encoder, or with null codes. Never written after
     *                    construction
     * @param inferenceMillis how long the worker took for the batch, gathering it, FISTA and the encoder pass (0: not
     *                    measured), so that the learner can tell a remote batch's round trip from its compute
     */
    record CodesComputed(long seq, long weightsVersion, int rows, int codeDim, float[] codes, float[] encoderPass,
                         double meanSteps, int iterations, ActorRef<WorkerCommand> worker, double inferenceMillis)
            implements LearnerCommand {
        /** Codes whose inference time was not measured. */
        public CodesComputed(long seq, long weightsVersion, int rows, int codeDim, float[] codes, float[] encoderPass,
                             double meanSteps, int iterations, ActorRef<WorkerCommand> worker) {
            this(seq, weightsVersion, rows, codeDim, codes, encoderPass, meanSteps, iterations, worker, 0);
        }

        public CodesComputed {
            if (codes == null) {
                if (encoderPass != null) {
                    throw new IllegalArgumentException("an encoder pass without the codes it belongs to");
                }
            } else if (codes.length != (long) rows * codeDim) {
                throw new IllegalArgumentException("codes of " + codes.length + " values for " + rows + " x " + codeDim);
            }
            if (encoderPass != null && (encoderPass.length == 0 || encoderPass.length % codes.length != 0)) {
                throw new IllegalArgumentException("an encoder pass of " + encoderPass.length
                        + " values is not whole blocks of " + rows + " x " + codeDim);
            }
        }
    }

    /** The monitor's verdict after validating an epoch: whether the run stops (early stopping or last epoch). */
    record EpochValidated(int epoch, boolean stop) implements LearnerCommand {
    }

    /** Sets lambda from the next batch the workers start; refused when not a finite number >= 0. */
    record SetLambda(double lambda, ActorRef<ControlReply> replyTo) implements LearnerCommand {
    }

    /** Writes a snapshot now; the reply names the file. */
    record TakeSnapshot(String reason, ActorRef<ControlReply> replyTo) implements LearnerCommand {
    }

    /**
     * Messages the learner sends itself (stream pulls, adapted replies): local to its node, never
     * serialised, so they stay private to the learner's implementation.
     */
    non-sealed interface Local extends LearnerCommand, org.apache.pekko.actor.NoSerializationVerificationNeeded {
    }

    /** Stops gracefully: no new batches, a snapshot once the batches in flight are applied, then stop. */
    record Stop(String reason, ActorRef<ControlReply> replyTo) implements LearnerCommand {
    }

    /**
     * Stops taking batches from the stream: the batches in flight are applied, no new one starts until
     * {@link Resume}. Lambda, snapshots and stop still work while paused; paused time is not counted in
     * the epoch's seconds.
     */
    record Pause(ActorRef<ControlReply> replyTo) implements LearnerCommand {
    }

    /** Takes batches from the stream again after {@link Pause}. */
    record Resume(ActorRef<ControlReply> replyTo) implements LearnerCommand {
    }

    /** Asks for the learner's {@link LearnerStatus} (the dashboard polls it). */
    record GetStatus(ActorRef<LearnerStatus> replyTo) implements LearnerCommand {
    }
}
