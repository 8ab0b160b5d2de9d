package dev.sparsestream.protocol;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What an inference worker is told: the model it serves, new weights, and batches to infer codes for. The
 * learner sends a worker weights just before the first batch that needs them (messages from one sender
 * arrive in order), so a worker that joins late holds current weights before its first batch; a worker on another
 * node may be sent them and its batches on the learner's channel instead, and then waits for the version a batch
 * names.
 */
public sealed interface WorkerCommand permits WorkerCommand.Configure, WorkerCommand.UpdateWeights,
        WorkerCommand.InferBatch, WorkerCommand.InferRows, WorkerCommand.Local {

    /**
     * Sent to a worker that holds no model yet (new, or restarted): the model's configuration, as JSON
     * (the form snapshots keep; workers on other nodes know nothing of the run), its current weights, and the
     * training data the run streams (null: none offered), which a worker on another node reads itself if it can
     * and answers {@code replyTo} with {@link LearnerCommand.DataRead}, and the learner's channel (null: none), over
     * which a worker on another node is sent its later weight versions and batches and writes its codes back.
     */
    record Configure(String configJson, Weights weights, TrainingRows data, ActorRef<LearnerCommand> replyTo,
                     ChannelOffer channel) implements WorkerCommand {
        public Configure {
            java.util.Objects.requireNonNull(configJson, "configJson");
            java.util.Objects.requireNonNull(weights, "weights");
            if (data != null && replyTo == null) {
                throw new IllegalArgumentException("training data offered with nobody to answer");
            }
        }

        /** A model without the offer of the data. */
        public Configure(String configJson, Weights weights) {
            this(configJson, weights, null, null, null);
        }

        /** A model and the offer of the data, without a channel. */
        public Configure(String configJson, Weights weights, TrainingRows data, ActorRef<LearnerCommand> replyTo) {
            this(configJson, weights, data, replyTo, null);
        }
    }

    /**
     * Where a worker on another node connects for a TCP connection of its own to the learner, beside Artery (weight
     * versions and batches to the worker, codes back; the learner's node listens there), and the token that
     * connection presents: random, one per offer, so that only the worker it was offered to is served on it.
     */
    record ChannelOffer(String host, int port, long token) {
        public ChannelOffer {
            java.util.Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a channel port must be 1..65535, got " + port);
            }
        }
    }

    /**
     * The training set a run streams, described so that another node can load it itself (from its own data folder,
     * or the same path on a shared volume) and check that what it loaded is the same, value for value.
     *
     * @param runDataJson the run's data record as JSON (the run folder's run.json: dataset, file, samples, splits)
     * @param rows        samples in the training set
     * @param dim         values per sample
     * @param checksum    {@code Dataset.checksum()} of the training set, in the model's normalised space
     */
    record TrainingRows(String runDataJson, int rows, int dim, long checksum) {
        public TrainingRows {
            java.util.Objects.requireNonNull(runDataJson, "runDataJson");
            if (rows < 1 || dim < 1) {
                throw new IllegalArgumentException("a training set of " + rows + " x " + dim);
            }
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

    /**
     * As {@link InferBatch}, for a worker that reads the run's training set itself (it answered the offer in
     * {@link Configure} with {@link LearnerCommand.DataRead} without a problem): the batch is named by its rows in
     * that set ({@link Batch#sampleIndices()}) instead of carried, 1 KB for a batch of 250 instead of its pixels.
     */
    record InferRows(long seq, int[] sampleIndices, FistaParams params, long weightsVersion,
                     ActorRef<LearnerCommand> replyTo) implements WorkerCommand {
        public InferRows {
            if (sampleIndices == null || sampleIndices.length == 0) {
                throw new IllegalArgumentException("batch " + seq + ": no sample indices");
            }
        }
    }
}
