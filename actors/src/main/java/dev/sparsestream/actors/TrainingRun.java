package dev.sparsestream.actors;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.streams.BatchSource;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The run's coordinator, the guardian of its actor system: spawns the monitor, the learner (fed by the
 * data-source stream) and this node's inference workers, and ends the run when the learner stops
 * (its children stop; it stays, idle, until its actor system is terminated by its owner).
 * Workers are restarted when they throw; the learner is not (a failure there fails the run, and the
 * last snapshot stays as it was).
 *
 * <p>In a cluster ({@link RunSettings#cluster()}) this is the seed node: the learner runs as a cluster
 * singleton on the node with role {@link #SEED_ROLE}, and workers of other nodes join its pool through the
 * receptionist ({@link InferenceWorker#CLUSTER_POOL}). Everything else is the single-node run.
 */
public final class TrainingRun {
    /** Where the numerical actors run (reference.conf): off the default dispatcher that Pekko HTTP shares. */
    public static final DispatcherSelector COMPUTE = DispatcherSelector.fromConfig("sparse-stream.compute-dispatcher");
    /** The learner's and this node's workers' when at most one batch is in flight (reference.conf says why). */
    public static final DispatcherSelector SEQUENTIAL =
            DispatcherSelector.fromConfig("sparse-stream.sequential-dispatcher");

    /** The cluster role of the node that owns the data source, the learner, the monitor and the dashboard. */
    public static final String SEED_ROLE = "seed";
    /** The learner's actor name (as a cluster singleton, under /system/singletonManager{name}/{name}). */
    public static final String LEARNER_NAME = "learner";

    private TrainingRun() {
    }

    /** What a run is made of; the hooks are for tests. */
    /**
     * What a run is made of; the hooks are for tests.
     *
     * @param trainingData the run's data record as JSON (run.json), with which a worker node reads the training set
     *                     itself to be sent batches by their rows; null: worker nodes are sent pixels
     */
    public record Parts(RunSettings settings, SparseAutoencoder model, Dataset train, Dataset validation,
                        Snapshot resumeFrom, RunListener listener, Learner.UpdateListener onUpdate,
                        InferenceWorker.BeforeInference beforeInference, String trainingData) {

        /** A run whose worker nodes are always sent pixels. */
        public Parts(RunSettings settings, SparseAutoencoder model, Dataset train, Dataset validation,
                     Snapshot resumeFrom, RunListener listener, Learner.UpdateListener onUpdate,
                     InferenceWorker.BeforeInference beforeInference) {
            this(settings, model, train, validation, resumeFrom, listener, onUpdate, beforeInference, null);
        }
    }

    /**
     * @param learnerRef completed with the learner once it is spawned (for the control endpoint)
     * @param outcome    completed when the run ends, however it ends
     */
    public static Behavior<Void> create(Parts parts, CompletableFuture<ActorRef<LearnerCommand>> learnerRef,
                                        CompletableFuture<RunOutcome> outcome) {
        return Behaviors.setup(ctx -> run(ctx, parts, learnerRef, outcome));
    }

    /** The parts of a run whose actor system was started before they were ready ({@link #awaitingParts}). */
    public record Start(Parts parts, CompletableFuture<ActorRef<LearnerCommand>> learnerRef,
                        CompletableFuture<RunOutcome> outcome) {
    }

    /**
     * The guardian of an actor system started ahead of its run (so that the system's start overlaps the
     * loading of the data): it waits for the run's {@link Start}, then is the run's coordinator as
     * {@link #create} is.
     */
    public static Behavior<Start> awaitingParts() {
        return Behaviors.setup(ctx -> Behaviors.receive(Start.class)
                .onMessage(Start.class, m -> run(ctx, m.parts(), m.learnerRef(), m.outcome()))
                .build());
    }

    private static <T> Behavior<T> run(ActorContext<T> ctx, Parts parts,
                                       CompletableFuture<ActorRef<LearnerCommand>> learnerRef,
                                       CompletableFuture<RunOutcome> outcome) {
        try {
            spawnRun(ctx, parts, learnerRef, outcome);
        } catch (RuntimeException e) {
            learnerRef.completeExceptionally(e); // whoever waits for the learner hears why there is none
            throw e;
        }
        return BehaviorBuilder.<T>create()
                .onSignal(Terminated.class, t -> {
                    if (!outcome.isDone()) {
                        String why = t instanceof ChildFailed f ? f.getCause().toString() : "it stopped";
                        outcome.complete(new RunOutcome(RunOutcome.Status.FAILED,
                                "the learner failed: " + why, null, null, 0));
                    }
                    // The workers and the monitor go; the guardian stays, so that the actor system (and the
                    // control endpoint's last answer, to a stop request) lives until its owner closes it.
                    ctx.getChildren().forEach(ctx::stop);
                    return Behaviors.empty();
                })
                .build();
    }

    private static void spawnRun(ActorContext<?> ctx, Parts parts,
                                 CompletableFuture<ActorRef<LearnerCommand>> learnerRef,
                                 CompletableFuture<RunOutcome> outcome) {
        RunSettings s = parts.settings();
        var config = s.config();
        SparseAutoencoder model = parts.model();
        if (model.device() != s.device()) {
            throw new IllegalArgumentException("the model is on " + model.device().name() + ", the run's device is "
                    + s.device().name());
        }
        if (parts.resumeFrom() != null) {
            model.importWeights(parts.resumeFrom().weights());
        }
        ActorRef<MonitorCommand> monitor = ctx.spawn(
                Monitor.create(config, parts.validation(), model.exportWeights(0), parts.listener(), s.device()), "monitor",
                COMPUTE);
        long startSeq = parts.resumeFrom() == null ? 0 : parts.resumeFrom().nextSeq();
        Source<Batch, NotUsed> source = BatchSource.of(parts.train(), config.batchSize(), config.seed(),
                startSeq, config.epochs());
        // A single-node run names its own pool, so that runs sharing an actor system (tests) keep apart.
        ServiceKey<WorkerCommand> pool = s.cluster() ? InferenceWorker.CLUSTER_POOL
                : ServiceKey.create(WorkerCommand.class, InferenceWorker.CLUSTER_POOL.id() + "-" + UUID.randomUUID());
        DispatcherSelector onThread = s.capacity() == 1 ? SEQUENTIAL : COMPUTE;
        // This node's workers read the learner's copy of each batch: a batch's pixels are copied once.
        NativeBatches batches = new NativeBatches(s.device());
        // Only a cluster has workers on other nodes; its checksum lets them prove they read the same rows.
        WorkerCommand.TrainingRows rows = s.cluster() && parts.trainingData() != null
                ? new WorkerCommand.TrainingRows(parts.trainingData(), parts.train().size(), parts.train().dim(),
                        parts.train().checksum())
                : null;
        Behavior<LearnerCommand> learning = RunFailure.completesOutcome(Learner.create(new LearnerDeps(s, model, source,
                monitor, parts.resumeFrom(), parts.onUpdate(), outcome, pool, batches, rows)), outcome);
        ActorRef<LearnerCommand> learner;
        if (s.cluster()) {
            learner = ClusterSingleton.get(ctx.getSystem()).init(SingletonActor.of(learning, LEARNER_NAME)
                    .withProps(onThread)
                    .withSettings(ClusterSingletonSettings.create(ctx.getSystem()).withRole(SEED_ROLE))
                    .withStopMessage(new LearnerCommand.Stop("the seed node is leaving the cluster",
                            ctx.getSystem().ignoreRef())));
        } else {
            learner = ctx.spawn(learning, LEARNER_NAME, onThread);
            ctx.watch(learner);
        }
        for (int i = 0; i < s.workers(); i++) {
            ctx.spawn(supervisedWorker(pool, s.device(), parts.beforeInference(), batches, NodeData.NONE),
                    "worker-" + i, onThread);
        }
        learnerRef.complete(learner);
    }

    /** A worker restarted when it throws, up to 10 times a minute; then it stops and leaves the pool. */
    public static Behavior<WorkerCommand> supervisedWorker(ServiceKey<WorkerCommand> pool, Device device,
                                                           InferenceWorker.BeforeInference hook, NativeBatches local,
                                                           NodeData data) {
        return Behaviors.supervise(InferenceWorker.create(pool, device, hook, local, data))
                .onFailure(Exception.class, SupervisorStrategy.restart().withLimit(10, Duration.ofMinutes(1)));
    }
}
