package dev.sparsestream.app.bench;

import dev.sparsestream.app.Main;
import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.Learner;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.RunSettings;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.actors.cluster.ClusterNode;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.protocol.ProtocolTraffic;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench --cluster N}: MNIST epochs on local clusters of 1..N nodes, each a JVM of its own over
 * loopback: this process is the seed (data, learner, monitor, one worker) and the other nodes are started
 * as {@code cluster worker} processes with one worker each. K = nodes - 1, so that every node's worker
 * can hold a batch. The first epoch (nodes joining, the JIT warming up) is left out; the figures are the
 * medians of the later epochs: samples per second, and the bytes per second of weights the seed sends.
 */
public final class ClusterBench {
    private final Path dataDir;
    private final Family family;
    private final int maxNodes;
    private final int epochs;
    private final int samples;

    ClusterBench(Path dataDir, Family family, int maxNodes, int epochs, int samples) {
        if (maxNodes < 1) {
            throw new IllegalArgumentException("--cluster must be >= 1, got " + maxNodes);
        }
        if (epochs < 2) {
            throw new IllegalArgumentException("--cluster-epochs must be >= 2 (the first is left out), got " + epochs);
        }
        this.dataDir = dataDir;
        this.family = family;
        this.maxNodes = maxNodes;
        this.epochs = epochs;
        this.samples = samples;
    }

    int run() throws Exception {
        Splits data = BenchCommand.mnistOrSay(dataDir, "--cluster");
        if (data == null) {
            return 1;
        }
        Dataset train = data.train().head(Math.min(samples, data.train().size()));
        ModelConfig.Builder b = Presets.mnist(family).toBuilder();
        b.epochs = epochs;
        ModelConfig c = b.build();
        System.out.printf("%s on %d MNIST samples, %d epochs per cluster (the first left out), nodes 1..%d on %d cores%n",
                family, train.size(), epochs, maxNodes, Runtime.getRuntime().availableProcessors());
        List<String> rows = new ArrayList<>();
        for (int n = 1; n <= maxNodes; n++) {
            rows.add(cluster(n, c, train, data.val()));
        }
        System.out.println("nodes  K  samples/s (median epoch)  weights sent MB/s  weight messages per batch");
        rows.forEach(System.out::println);
        return 0;
    }

    private String cluster(int nodes, ModelConfig c, Dataset train, Dataset val) throws Exception {
        var settings = new RunSettings(c, 1, nodes - 1, 0, null, true);
        var nodeConfig = ClusterNode.config(TrainingRun.SEED_ROLE, "127.0.0.1", 0, null,
                ClusterNode.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofSeconds(7), null);
        List<Process> workers = new ArrayList<>();
        List<Long> weightBytesAtEpoch = new ArrayList<>();
        List<Long> weightMessagesAtEpoch = new ArrayList<>();
        RunListener traffic = new RunListener() {
            @Override
            public void onEpoch(EpochReport r, boolean isBest) {
                weightBytesAtEpoch.add(ProtocolTraffic.weightsSent().bytes());
                weightMessagesAtEpoch.add(ProtocolTraffic.weightsSent().messages());
            }
        };
        Path logs = Files.createTempDirectory("sparse-stream-bench-cluster");
        RunOutcome o;
        try (StreamingTrainer seed = StreamingTrainer.start(new TrainingRun.Parts(settings,
                SparseAutoencoder.initialise(c), train, val, null, traffic, Learner.UpdateListener.NONE,
                InferenceWorker.BeforeInference.NONE), nodeConfig)) {
            String at = ClusterNode.hostPort(seed.system());
            for (int i = 1; i < nodes; i++) {
                workers.add(new ProcessBuilder(javaCommand(List.of("-Xmx2g", "-XX:+UseParallelGC"), List.of("cluster", "worker", "--join", at,
                        "--host", "127.0.0.1", "--workers", "1")))
                        .redirectErrorStream(true).redirectOutput(logs.resolve("worker-" + i + ".log").toFile()).start());
            }
            o = seed.await();
        } finally {
            for (Process p : workers) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) { // they stop once the seed has left
                    p.destroy();
                }
            }
        }
        if (o.status() != RunOutcome.Status.COMPLETED) {
            throw new IllegalStateException(nodes + " node(s): " + o.message() + "; worker logs in " + logs);
        }
        var reports = o.monitor().epochs();
        int perEpoch = train.size() / c.batchSize();
        double[] rate = new double[reports.size() - 1];
        double[] weightRate = new double[reports.size() - 1];
        double[] perBatch = new double[reports.size() - 1];
        for (int e = 1; e < reports.size(); e++) {
            double s = reports.get(e).seconds();
            rate[e - 1] = perEpoch * c.batchSize() / s;
            weightRate[e - 1] = (weightBytesAtEpoch.get(e) - weightBytesAtEpoch.get(e - 1)) / 1e6 / s;
            perBatch[e - 1] = (double) (weightMessagesAtEpoch.get(e) - weightMessagesAtEpoch.get(e - 1)) / perEpoch;
        }
        String row = String.format("%5d  %d  %10.0f               %8.2f           %.2f", nodes, nodes - 1,
                BenchCommand.median(rate), BenchCommand.median(weightRate), BenchCommand.median(perBatch));
        System.out.println(row + "   (epochs: " + reports.stream().map(r -> String.format("%.1f s", r.seconds()))
                .toList() + ")");
        return row;
    }

    /** This JVM's java and classpath, running {@link Main} with {@code args}. */
    public static List<String> javaCommand(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator + "bin"
                + File.separator + "java"));
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }
}
