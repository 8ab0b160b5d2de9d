package dev.sparsestream.actors;

import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.InferenceStep;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.protocol.WorkerCommand.InferBatch;
import dev.sparsestream.protocol.WorkerCommand.UpdateWeights;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs FISTA with encoder warm start on the batches the learner assigns, with the weights it last
 * received. On (re)start it announces itself with {@link LearnerCommand.WorkerReady}, which is also how
 * the learner learns that a batch given to a crashed worker is lost and must be retried.
 */
public final class InferenceWorker extends AbstractBehavior<WorkerCommand> {

    /** Called before each inference; tests inject faults through it. */
    public interface BeforeInference extends Consumer<Batch> {
        BeforeInference NONE = b -> { };
    }

    public static Behavior<WorkerCommand> create(ModelConfig config, ActorRef<LearnerCommand> learner,
                                                 BeforeInference hook) {
        return Behaviors.setup(ctx -> new InferenceWorker(ctx, config, learner, hook));
    }

    private final ActorRef<LearnerCommand> learner;
    private final BeforeInference hook;
    private final InferenceStep inference;
    private final Matrix y;      // (n, d)
    private long version = -1;   // weights held; -1: none yet

    private InferenceWorker(ActorContext<WorkerCommand> ctx, ModelConfig config, ActorRef<LearnerCommand> learner,
                            BeforeInference hook) {
        super(ctx);
        this.learner = learner;
        this.hook = hook;
        // The initial values are overwritten by the first UpdateWeights; only the shapes matter here.
        inference = new InferenceStep(SparseAutoencoder.initialise(config), config.batchSize());
        y = Matrix.zeros(config.batchSize(), config.dataDim());
        learner.tell(new LearnerCommand.WorkerReady(ctx.getSelf()));
    }

    @Override
    public Receive<WorkerCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(UpdateWeights.class, this::onUpdateWeights)
                .onMessage(InferBatch.class, this::onInferBatch)
                .build();
    }

    private Behavior<WorkerCommand> onUpdateWeights(UpdateWeights m) {
        if (m.weights().version() > version) {
            inference.model().importWeights(m.weights());
            version = m.weights().version();
        }
        return this;
    }

    private Behavior<WorkerCommand> onInferBatch(InferBatch m) {
        if (version < 0) {
            throw new IllegalStateException("batch " + m.batch().seq() + " arrived before any weights");
        }
        hook.accept(m.batch());
        Batch b = m.batch();
        Matrix.requireShape(y, b.rows(), b.dim(), "batch " + b.seq());
        y.data().put(0, b.data());
        Matrix z = inference.solve(y, m.params());     // (n, l)
        m.replyTo().tell(new LearnerCommand.CodesComputed(b.seq(), version, z.rows(), z.cols(), z.toArray(),
                inference.meanSteps(), inference.iterations(), getContext().getSelf()));
        return this;
    }
}
