package dev.sparsestream.app.cluster;

import dev.sparsestream.app.train.TrainCommand;
import dev.sparsestream.app.web.DashboardFeed;
import com.typesafe.config.Config;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.actors.cluster.ClusterMembers;
import dev.sparsestream.actors.cluster.ClusterNode;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.ProtocolTraffic;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.actors.cluster.Standby;
import dev.sparsestream.app.train.RunLock;
import dev.sparsestream.app.train.TrainingJob;
import dev.sparsestream.protocol.SnapshotFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Props;
import picocli.CommandLine.Option;
import java.util.HashSet;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "seed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a cluster and its run: this node owns the data source, the learner (a cluster singleton),",
                "the monitor and the dashboard, and runs --workers inference workers of its own (0: none). Worker",
                "nodes join with 'sparse-stream cluster worker --join HOST:PORT' at any time, and get batches once",
                "they hold the current weights; a node that dies or is cut off has its batches inferred again",
                "elsewhere (each batch is applied once) and is downed after --down-after. Stopping the seed (Ctrl-C,",
                "'control stop') ends the run as 'train' does, and the worker nodes stop with it.",
                "Every other option is 'train''s; with --max-staleness K up to K + 1 batches are in flight, so K",
                "decides how many workers can be busy at once (K = 0: one batch at a time, exactly 'train').",
                "With --standby --join HOST:PORT this node stands by for the active seed, given the same options and",
                "run folder: when the active seed dies or is cut off, it continues the run from the folder's last",
                "snapshot (the batches after it are inferred again), with the workers that are already in."})
public final class ClusterSeedCommand extends TrainCommand {
    static final int DEFAULT_PORT = 2551;
    static final int STANDBY_PORT = 2552;
    /** How long a standby waits for the previous seed's process to let go of the run folder. */
    static final Duration LOCK_PATIENCE = Duration.ofMinutes(2);

    @Mixin
    NodeOptions node = new NodeOptions();

    @Option(names = "--standby", description = {"Stand by for the active seed given by --join, and take its run over",
            "when it dies (the same options and --out as the active seed's; the run folder shared)."})
    boolean standby;

    @Option(names = "--join", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "With --standby: the active seed (and any other standby) to join.")
    String join;

    private Standby.Decision tookOver; // the takeover that started this node's run, or null

    @Override
    public Integer call() throws Exception {
        if (!standby) {
            if (join != null) {
                throw new IllegalArgumentException("--join is for a standby seed (--standby); an active seed starts "
                        + "the cluster, and worker nodes join it with 'cluster worker --join'");
            }
            return super.call();
        }
        if (join == null) {
            throw new IllegalArgumentException("--standby needs --join HOST:PORT, the active seed's cluster address");
        }
        TrainingJob.Request asked = request();
        List<org.apache.pekko.actor.Address> seeds = ClusterNode.addresses(join);
        Path dir = asked.runFolder();
        StreamingTrainer.Launch launch = StreamingTrainer.launch(
                node.config(TrainingRun.SEED_ROLE, "127.0.0.1", STANDBY_PORT), seeds);
        try {
            CompletableFuture<Standby.Decision> decided = new CompletableFuture<>();
            launch.system().systemActorOf(Standby.create(decided), "standby", Props.empty());
            System.out.println("standby seed at " + ClusterNode.hostPort(launch.system()) + " for the run in " + dir
                    + ", joining " + join + "; it takes the run over if the active seed dies");
            launch.system().getWhenTerminated().thenRun(() -> decided.complete(
                    new Standby.Decision(Standby.Decision.Kind.DOWNED, null, 0, System.nanoTime())));
            Standby.Decision d = decided.join();
            switch (d.kind()) {
                case RUN_ENDED -> {
                    System.out.println("the active seed " + d.active() + " left the cluster (its run ended or was "
                            + "stopped); this standby stops");
                    return 0;
                }
                case DOWNED -> {
                    var reason = org.apache.pekko.actor.CoordinatedShutdown.get(
                            org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(launch.system())).getShutdownReason();
                    if (reason.isPresent() && reason.get()
                            == org.apache.pekko.actor.CoordinatedShutdown.jvmExitReason()) {
                        System.out.println("standby stopped (interrupted)");
                        return 0;
                    }
                    System.err.println("sparse-stream: this standby left the cluster before any takeover (it was "
                            + "cut off from the active seed's side, or no seed answered at " + join + ")"
                            + reason.map(r -> ": " + r).orElse(""));
                    return 1;
                }
                case TAKE_OVER -> { }
            }
            System.out.printf("the active seed %s was downed %.1f s after it became unreachable; waiting for %s%n",
                    d.active(), (d.removedNanos() - d.unreachableNanos()) / 1e9, dir.resolve("run.lock"));
            try (RunLock lock = RunLock.await(dir, LOCK_PATIENCE)) {
                boolean snapshot = Files.exists(dir.resolve(SnapshotFiles.FILE_NAME))
                        || Files.exists(dir.resolve(SnapshotFiles.PREVIOUS_FILE_NAME));
                // No snapshot yet: the run starts again from its beginning, as the active seed started it.
                TrainingJob.Request r = snapshot ? asked.resuming(dir) : asked;
                tookOver = d;
                return new TrainingJob(r, this).inCluster(launch, lock).run();
            }
        } finally {
            launch.close(); // a no-op once the run has started: the run closes its own actor system
        }
    }

    @Override
    public Config nodeConfig(ModelConfig config) {
        long needed = largestMessage(config);
        if (needed > node.maxMessageBytes()) {
            throw new IllegalArgumentException("this model's weights make messages of about " + (needed >> 20)
                    + " MiB, more than --max-message-size " + node.maxMessageSize + "; give every node of the "
                    + "cluster --max-message-size " + ((needed >> 20) + 1) + "MiB or more");
        }
        return node.config(TrainingRun.SEED_ROLE, "127.0.0.1", standby ? STANDBY_PORT : DEFAULT_PORT);
    }

    /** Bytes of the largest message of a run of this model: its weights, a batch, or a batch's codes. */
    static long largestMessage(ModelConfig c) {
        long weights = SparseAutoencoder.initialise(c).exportWeights(0).size();
        long batch = 2L * c.batchSize() * c.dataDim(); // samples and their pixel scales
        long codes = (long) c.batchSize() * c.codeDim();
        return 4 * Math.max(weights, Math.max(batch, codes)) + (64 << 10);
    }

    @Override
    public void started(StreamingTrainer run, DashboardFeed feed) {
        startedNanos = System.nanoTime();
        run.system().systemActorOf(ClusterMembers.create(feed::membership), "cluster-members",
                org.apache.pekko.actor.typed.Props.empty());
        String at = ClusterNode.hostPort(run.system());
        if (tookOver != null) {
            System.out.printf("took the run over as the active seed at %s, %.1f s after %s became unreachable%n", at,
                    (System.nanoTime() - tookOver.unreachableNanos()) / 1e9, tookOver.active());
        } else {
            System.out.println("cluster seed at " + at + "; add workers with: ./sparse-stream cluster worker --join "
                    + at + " --workers N");
        }
    }

    private long startedNanos;

    @Override
    public void ended(dev.sparsestream.actors.RunOutcome outcome) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        var weights = ProtocolTraffic.weightsSent();
        var batches = ProtocolTraffic.of(WorkerCommand.InferBatch.class).sent();
        var codes = ProtocolTraffic.of(LearnerCommand.CodesComputed.class).received();
        System.out.printf("traffic with worker nodes over %.0f s: weights %d messages, %.1f MB (%.2f MB/s); "
                        + "batches %d, %.1f MB; codes back %d, %.1f MB%n", seconds, weights.messages(),
                weights.bytes() / 1e6, weights.bytes() / 1e6 / seconds, batches.messages(), batches.bytes() / 1e6,
                codes.messages(), codes.bytes() / 1e6);
    }

    @Override
    public String commandName() {
        return "cluster seed";
    }

    @Override
    protected Set<String> resumeOptions() {
        Set<String> s = new HashSet<>(super.resumeOptions());
        s.addAll(Set.of("--host", "--port", "--bind-host", "--max-message-size", "--down-after", "--node-config",
                "--standby", "--join"));
        return s;
    }
}
