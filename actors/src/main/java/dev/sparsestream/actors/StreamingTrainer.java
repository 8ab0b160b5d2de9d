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

    private final ActorSystem<Void> system;
    private final ActorRef<LearnerCommand> learner;
    private final CompletableFuture<RunOutcome> outcome;
    private final Device device;
    private final int originalThreads; // the device's threads before the run shared them out

    private StreamingTrainer(ActorSystem<Void> system, ActorRef<LearnerCommand> learner,
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
        if (parts.settings().cluster() != (nodeConfig != null)) {
            throw new IllegalArgumentException("a cluster run needs a node configuration, and only a cluster run takes one");
        }
        Device device = parts.settings().device();
        int originalThreads = device.threads();
        shareThreads(device, originalThreads, parts.settings());
        CompletableFuture<ActorRef<LearnerCommand>> learnerRef = new CompletableFuture<>();
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        Config config = ConfigFactory.parseString(
                "pekko.coordinated-shutdown.phases.before-service-unbind.timeout = "
                        + INTERRUPT_GRACE.toSeconds() + "s\n")
                .withFallback(nodeConfig != null ? nodeConfig : ConfigFactory.load());
        ActorSystem<Void> system = ActorSystem.create(TrainingRun.create(parts, learnerRef, outcome),
                ClusterNode.SYSTEM_NAME, config);
        if (nodeConfig != null) {
            ClusterNode.joinSelf(system);
        }
        ActorRef<LearnerCommand> learner = learnerRef.join();
        CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(
                CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-learner-with-snapshot", () -> {
                    if (!outcome.isDone()) {
                        learner.tell(new LearnerCommand.Stop("interrupted", system.ignoreRef()));
                    }
                    return outcome.thenApply(o -> Done.getInstance());
                });
        return new StreamingTrainer(system, learner, outcome, device, originalThreads);
    }

    /**
     * With K > 0 several workers run FISTA at once: each gets an equal share of the cores for its
     * products, so that together they do not oversubscribe the machine (their elementwise work, which is
     * single-threaded, then runs in parallel too).
     */
    private static void shareThreads(Device device, int threads, RunSettings s) {
        device.setThreads(Math.max(1, threads / s.busyLocalWorkers()));
    }

    public ActorSystem<Void> system() {
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
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the actor system did not terminate in 30 s", e);
        }
    }
}
