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
                "decides how many workers can be busy at once (K = 0: one batch at a time, exactly 'train')."})
public final class ClusterSeedCommand extends TrainCommand {
    static final int DEFAULT_PORT = 2551;

    @Mixin
    NodeOptions node = new NodeOptions();

    @Override
    public Config nodeConfig(ModelConfig config) {
        long needed = largestMessage(config);
        if (needed > node.maxMessageBytes()) {
            throw new IllegalArgumentException("this model's weights make messages of about " + (needed >> 20)
                    + " MiB, more than --max-message-size " + node.maxMessageSize + "; give every node of the "
                    + "cluster --max-message-size " + ((needed >> 20) + 1) + "MiB or more");
        }
        return node.config(TrainingRun.SEED_ROLE, "127.0.0.1", DEFAULT_PORT);
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
        System.out.println("cluster seed at " + at + "; add workers with: ./sparse-stream cluster worker --join " + at
                + " --workers N");
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
        s.addAll(Set.of("--host", "--port", "--bind-host", "--max-message-size", "--down-after", "--node-config"));
        return s;
    }
}
