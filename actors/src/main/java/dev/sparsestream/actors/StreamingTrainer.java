package dev.sparsestream.actors;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.protocol.LearnerCommand;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.sparsestream.actors.cluster.ClusterNode;

/**
 * Starts a streaming run in its own actor system (single node, embedded) and hands back what the
 * command line needs: the learner, for the control endpoint, and the outcome. On Ctrl-C (the JVM's
 * shutdown, through Pekko's coordinated shutdown) the learner is stopped gracefully first, so that the
 * batches in flight are applied and a last snapshot is written before the system goes down.
 */
public final class StreamingTrainer implements AutoCloseable {
    private static final Duration INTERRUPT_GRACE = Duration.ofMinutes(2);

    private final ActorSystem<?> system;
    private final ActorRef<LearnerCommand> learner;
    private final CompletableFuture<RunOutcome> outcome;
    private final Device device;
    private final int originalThreads; // the device's threads before the run shared them out

    private StreamingTrainer(ActorSystem<?> system, ActorRef<LearnerCommand> learner,
                             CompletableFuture<RunOutcome> outcome, Device device, int originalThreads) {
        this.system = system;
        this.learner = learner;
        this.outcome = outcome;
        this.device = device;
        this.originalThreads = originalThreads;
    }

    public static StreamingTrainer start(TrainingRun.Parts parts) {
        return start(parts, null);
    }

    /**
     * @param nodeConfig a cluster node's configuration ({@code ClusterNode.config}) for a run whose settings say
     *                   {@link RunSettings#cluster()}: the node then joins itself, starting the cluster as its
     *                   seed; null for a single-node run
     */
    public static StreamingTrainer start(TrainingRun.Parts parts, Config nodeConfig) {
        Launch launch = launch(nodeConfig);
        try {
            return launch.run(parts);
        } catch (RuntimeException e) {
            launch.close();
            throw e;
        }
    }

    /**
     * Starts a run's actor system before its parts are ready (its start, about half a second, then overlaps the
     * loading of the data); {@link Launch#run} starts the run in it.
     *
     * @param nodeConfig as for {@link #start(TrainingRun.Parts, Config)}
     */
    public static Launch launch(Config nodeConfig) {
        return launch(nodeConfig, null);
    }

    /**
     * A cluster node's actor system that joins an existing cluster through {@code seeds} rather than starting one:
     * a standby seed's, whose run starts only when it takes over ({@link Launch#run} then does not join again).
     *
     * @param seeds null: the node starts the cluster itself when its run starts (an active seed)
     */
    public static Launch launch(Config nodeConfig, java.util.List<org.apache.pekko.actor.Address> seeds) {
        if (seeds != null && nodeConfig == null) {
            throw new IllegalArgumentException("only a cluster node joins seeds");
        }
        Config config = ConfigFactory.parseString(
                "pekko.coordinated-shutdown.phases.before-service-unbind.timeout = "
                        + INTERRUPT_GRACE.toSeconds() + "s\n")
                .withFallback(nodeConfig != null ? nodeConfig : ConfigFactory.load());
        Launch launch = new Launch(ActorSystem.create(TrainingRun.awaitingParts(), ClusterNode.SYSTEM_NAME, config),
                nodeConfig != null, seeds == null);
        if (seeds != null) {
            ClusterNode.joinSeeds(launch.system, seeds);
        }
        return launch;
    }

    /** An actor system waiting for its run; closing it before {@link #run} terminates the system. */
    public static final class Launch implements AutoCloseable {
        private final ActorSystem<TrainingRun.Start> system;
        private final boolean cluster;
        private final boolean joinsItself; // false: already a member of the cluster it joined
        private boolean started;

        private Launch(ActorSystem<TrainingRun.Start> system, boolean cluster, boolean joinsItself) {
            this.system = system;
            this.cluster = cluster;
            this.joinsItself = joinsItself;
        }

        /** The actor system, for actors that run beside the run (a standby's watch). */
        public ActorSystem<?> system() {
            return system;
        }

        /** Starts the run (once); the returned trainer owns the actor system from here on. */
        public StreamingTrainer run(TrainingRun.Parts parts) {
            if (started) {
                throw new IllegalStateException("this actor system already runs a training run");
            }
            if (parts.settings().cluster() != cluster) {
                throw new IllegalArgumentException("a cluster run needs a node configuration, and only a cluster run "
                        + "takes one");
            }
            started = true;
            Device device = parts.settings().device();
            int originalThreads = device.threads();
            shareThreads(device, originalThreads, parts.settings());
            CompletableFuture<ActorRef<LearnerCommand>> learnerRef = new CompletableFuture<>();
            CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
            system.tell(new TrainingRun.Start(parts, learnerRef, outcome));
            if (cluster && joinsItself) {
                ClusterNode.joinSelf(system);
            }
            ActorRef<LearnerCommand> learner;
            try {
                learner = learnerRef.join();
            } catch (java.util.concurrent.CompletionException e) {
                device.setThreads(originalThreads);
                terminate(system);
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(
                    CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-learner-with-snapshot", () -> {
                        if (!outcome.isDone()) {
                            learner.tell(new LearnerCommand.Stop("interrupted", system.ignoreRef()));
                        }
                        return outcome.thenApply(o -> Done.getInstance());
                    });
            return new StreamingTrainer(system, learner, outcome, device, originalThreads);
        }

        @Override
        public void close() {
            if (!started) {
                started = true;
                terminate(system);
            }
        }
    }

    /**
     * With K > 0 several workers run FISTA at once: each gets an equal share of the cores for its
     * products, so that together they do not oversubscribe the machine (their elementwise work, which is
     * single-threaded, then runs in parallel too).
     */
    private static void shareThreads(Device device, int threads, RunSettings s) {
        device.setThreads(Math.max(1, threads / s.busyLocalWorkers()));
    }

    public ActorSystem<?> system() {
        return system;
    }

    public ActorRef<LearnerCommand> learner() {
        return learner;
    }

    /** Completed when the run ends, however it ends. */
    public CompletableFuture<RunOutcome> outcome() {
        return outcome;
    }

    /** Waits for the run to end, however it ends. */
    public RunOutcome await() {
        return outcome.join();
    }

    @Override
    public void close() {
        device.setThreads(originalThreads);
        terminate(system);
    }

    private static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the actor system did not terminate in 30 s", e);
        }
    }
}
