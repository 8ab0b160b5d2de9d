package dev.sparsestream.actors;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.InferenceStep;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.protocol.WorkerCommand.Configure;
import dev.sparsestream.protocol.WorkerCommand.InferBatch;
import dev.sparsestream.protocol.WorkerCommand.UpdateWeights;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.protocol.WorkerCommand.InferRows;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Runs FISTA with encoder warm start on the batches the learner assigns, with the weights it last
 * received. It knows nothing of the run when it starts: it registers under its pool's receptionist key
 * (on its own node or any node of a cluster), and the learner sends it the model's configuration and
 * weights ({@link Configure}) with its first batch. When it fails and is restarted, it tells the learner
 * with {@link LearnerCommand.WorkerReady} that it holds nothing and that the batch it had is lost.
 */
public final class InferenceWorker extends AbstractBehavior<WorkerCommand> {

    /** The pool of a cluster's run: one run per cluster, so one name (a single-node run names its own pool). */
    public static final ServiceKey<WorkerCommand> CLUSTER_POOL =
            ServiceKey.create(WorkerCommand.class, "sparse-stream-inference-workers");

    /** Called with a batch's seq before its inference; tests inject faults through it. */
    public interface BeforeInference extends LongConsumer {
        BeforeInference NONE = seq -> { };
    }

    /**
     * @param device where this worker's FISTA runs (its node's {@code --device})
     * @param local  the batches a learner on this node holds in native memory (read there instead of copied), or
     *               null on a node without one
     * @param data   how this node reads a training set offered with the model, to be sent batches as rows
     */
    public static Behavior<WorkerCommand> create(ServiceKey<WorkerCommand> pool, Device device, BeforeInference hook,
                                                 NativeBatches local, NodeData data) {
        return Behaviors.setup(ctx -> new InferenceWorker(ctx, pool, device, hook, local, data));
    }

    private final Device device;
    private final BeforeInference hook;
    private final NativeBatches local;  // null: every batch is copied into y
    private final NodeData data;
    private Dataset trainingSet;        // the run's, read on this node; null: batches come with their pixels
    private String configJson;          // the model served; null until the first Configure
    private InferenceStep inference;    // its FISTA state and buffers
    private Matrix y;                   // (n, d)
    private long version = -1;          // weights held; -1: none yet
    private ActorRef<LearnerCommand> learner; // whom to tell about a restart; known from the first batch
    private long started;               // System.nanoTime() when the current batch's work began
    private WorkerChannelClient channel; // to the learner's node beside Artery (WorkerChannel), or null: none
    private final java.util.ArrayDeque<WorkerCommand> waiting = new java.util.ArrayDeque<>(); // for their weights

    private InferenceWorker(ActorContext<WorkerCommand> ctx, ServiceKey<WorkerCommand> pool, Device device,
                            BeforeInference hook, NativeBatches local, NodeData data) {
        super(ctx);
        this.device = device;
        this.hook = hook;
        this.local = local;
        this.data = data;
        // A restarted worker registers again under the same reference; the receptionist keeps one entry.
        ctx.getSystem().receptionist().tell(Receptionist.register(pool, ctx.getSelf()));
    }

    @Override
    public Receive<WorkerCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(UpdateWeights.class, this::onUpdateWeights)
                .onMessage(NativeWeights.Lent.class, this::onLentWeights)
                .onMessage(InferBatch.class, this::onInferBatch)
                .onMessage(InferRows.class, this::onInferRows)
                .onMessage(WorkerChannelClient.Closed.class, this::onChannelClosed)
                .onSignal(PreRestart.class, s -> onPreRestart())
                .onSignal(PostStop.class, s -> { closeChannel(); return this; })
                .build();
    }

    private Behavior<WorkerCommand> onConfigure(Configure m) {
        if (!m.configJson().equals(configJson)) {
            ModelConfig config;
            try {
                config = Json.mapper().readValue(m.configJson(), ModelConfig.class);
            } catch (Exception e) {
                throw new IllegalArgumentException("cannot read the model configuration sent by the learner: "
                        + e.getMessage(), e);
            }
            // The initial values are overwritten by the weights just below; only the shapes matter here.
            inference = new InferenceStep(SparseAutoencoder.initialise(config).to(device), config.batchSize());
            y = device.zeros(config.batchSize(), config.dataDim());
            configJson = m.configJson();
        }
        inference.model().importWeights(m.weights());
        version = m.weights().version();
        if (m.data() != null) {
            readTrainingSet(m);
        }
        if (channel == null || !channel.offer().equals(m.channel())) {
            closeChannel();
            if (m.channel() != null) {
                var config = getContext().getSystem().settings().config();
                channel = new WorkerChannelClient(m.channel(), getContext().getSelf(),
                        WorkerChannel.serializer(getContext().getSystem()),
                        config.getBytes("pekko.remote.artery.advanced.maximum-large-frame-size"));
            }
        }
        return inferWaiting();
    }

    /**
     * A batch whose weights have not arrived waits for them (they come on the learner's channel, which Artery's
     * order does not cover); without a channel they cannot still be coming.
     */
    private boolean waits(WorkerCommand batch, long seq, long weightsVersion, ActorRef<LearnerCommand> replyTo) {
        learner = replyTo; // told if this worker restarts
        if (version < 0 || weightsVersion <= version && waiting.isEmpty()) {
            return false;
        }
        if (channel == null) {
            throw new IllegalStateException("batch " + seq + " names weights version " + weightsVersion + ", this worker "
                    + "holds " + version + " and no channel from the learner is open to bring it");
        }
        waiting.add(batch);
        return true;
    }

    /** The batches that waited for the weights now held, in the order they came. */
    private Behavior<WorkerCommand> inferWaiting() {
        while (!waiting.isEmpty() && weightsVersion(waiting.peek()) <= version) {
            WorkerCommand next = waiting.poll();
            if (next instanceof InferBatch b) {
                inferBatch(b);
            } else {
                inferRows((InferRows) next);
            }
        }
        return this;
    }

    private static long weightsVersion(WorkerCommand batch) {
        return batch instanceof InferBatch b ? b.weightsVersion() : ((InferRows) batch).weightsVersion();
    }

    private Behavior<WorkerCommand> onChannelClosed(WorkerChannelClient.Closed m) {
        if (m.client() != channel) {
            return this; // one closed earlier
        }
        channel = null;
        if (m.inOrder()) {
            // Everything sent on it came; a new offer comes with the model, or this worker has left the pool.
            getContext().getLog().info("the channel from the learner ended ({})", m.why());
        } else {
            // The learner hears of it too and infers again what this worker held, so what waited is dropped.
            getContext().getLog().warn("the channel from the learner broke ({}); {} batch(es) waiting for weights "
                    + "dropped (the learner infers them again); traffic goes over Artery", m.why(), waiting.size());
            waiting.clear();
        }
        return this;
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    /** Loads (or finds loaded on this node) the training set offered, and tells the learner whether it could. */
    private void readTrainingSet(Configure m) {
        String problem = null;
        try {
            trainingSet = data.trainingSet(m.data(), m.configJson());
        } catch (Exception e) {
            trainingSet = null;
            problem = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        m.replyTo().tell(new LearnerCommand.DataRead(getContext().getSelf(), problem));
    }

    private Behavior<WorkerCommand> onUpdateWeights(UpdateWeights m) {
        if (inference == null) {
            throw new IllegalStateException("weights version " + m.weights().version() + " arrived before the model "
                    + "configuration");
        }
        if (m.weights().version() > version) {
            inference.model().importWeights(m.weights());
            version = m.weights().version();
        }
        return inferWaiting();
    }

    /** A version lent by a learner on this node: copied from its memory, no array in between. */
    private Behavior<WorkerCommand> onLentWeights(NativeWeights.Lent m) {
        NativeWeights.Version w = m.weights();
        if (inference == null) {
            w.release();
            throw new IllegalStateException("weights version " + w.version() + " arrived before the model "
                    + "configuration");
        }
        if (w.version() > version) {
            w.copyTo(inference.model());
            version = w.version();
        } else {
            w.release();
        }
        return this;
    }

    private Behavior<WorkerCommand> onInferBatch(InferBatch m) {
        return waits(m, m.batch().seq(), m.weightsVersion(), m.replyTo()) ? this : inferBatch(m);
    }

    private Behavior<WorkerCommand> inferBatch(InferBatch m) {
        Batch b = m.batch();
        if (!ready(b.seq(), m.replyTo())) {
            return this;
        }
        Matrix.requireShape(y, b.rows(), b.dim(), "batch " + b.seq());
        NativeBatches.Slot slot = local != null ? local.find(b) : null;
        if (slot == null) {
            y.data().put(0, b.data());
        }
        return infer(b.seq(), slot, m.params(), m.replyTo());
    }

    /** A batch named by its rows in the training set this worker read: gathered from it into y. */
    private Behavior<WorkerCommand> onInferRows(InferRows m) {
        return waits(m, m.seq(), m.weightsVersion(), m.replyTo()) ? this : inferRows(m);
    }

    private Behavior<WorkerCommand> inferRows(InferRows m) {
        if (!ready(m.seq(), m.replyTo())) {
            return this;
        }
        if (trainingSet == null) {
            throw new IllegalStateException("batch " + m.seq() + " was sent as rows, but this worker read no training set");
        }
        Matrix.requireShape(y, m.sampleIndices().length, trainingSet.dim(), "batch " + m.seq());
        trainingSet.copyRows(m.sampleIndices(), 0, m.sampleIndices().length, y.data());
        return infer(m.seq(), null, m.params(), m.replyTo());
    }

    /**
     * Whether the batch can be inferred. One that arrives before any model was sent before this worker restarted
     * (a remote worker holds two): the learner requeued it when told of the restart, so it is dropped.
     */
    private boolean ready(long seq, ActorRef<LearnerCommand> replyTo) {
        learner = replyTo;
        if (version < 0) {
            getContext().getLog().warn("batch {} arrived before the model (sent before this worker restarted); the "
                    + "learner sends it again", seq);
            return false;
        }
        hook.accept(seq);
        started = System.nanoTime();
        return true;
    }

    /** FISTA on the batch in {@code slot}, or in y when there is none, and the codes to the learner. */
    private Behavior<WorkerCommand> infer(long seq, NativeBatches.Slot slot, FistaParams params,
                                          ActorRef<LearnerCommand> replyTo) {
        Matrix pixels = slot != null ? slot.pixels() : y;   // (n, d)
        Matrix z = inference.solve(pixels, params);         // (n, l)
        float[] codes = null;                                // null: left in the learner's slot
        float[] pass = null;
        if (slot != null) {
            slot.keepCodes(z);
            inference.encoderPass(slot.passBuffer(inference.encoderPassSize()));
        } else {
            codes = z.toArray();
            pass = inference.encoderPass();
        }
        var computed = new LearnerCommand.CodesComputed(seq, version, z.rows(), z.cols(), codes, pass,
                inference.meanSteps(), inference.iterations(), getContext().getSelf(),
                (System.nanoTime() - started) / 1e6);
        if (channel == null || !channel.send(computed)) {
            replyTo.tell(computed);
        }
        return this;
    }

    /** The fresh instance holds nothing: the learner resends the model and requeues the batch this one had. */
    private Behavior<WorkerCommand> onPreRestart() {
        closeChannel();
        if (learner != null) {
            learner.tell(new LearnerCommand.WorkerReady(getContext().getSelf()));
        }
        return this;
    }
}
