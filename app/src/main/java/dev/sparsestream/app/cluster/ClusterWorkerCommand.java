package dev.sparsestream.app.cluster;

import dev.sparsestream.app.train.DeviceOption;
import dev.sparsestream.actors.cluster.ClusterNode;
import dev.sparsestream.actors.cluster.WorkerNode;
import dev.sparsestream.actors.RunData;
import dev.sparsestream.app.train.TrainingData;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.protocol.WorkerCommand;
import java.nio.file.Path;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Join a cluster and run inference workers for its learner until the seed stops (or this node is",
                "cut off from it, or Ctrl-C). The node needs no configuration: the learner sends the model with the",
                "first batch, and names the run's data, which the node reads as train does (MNIST from --data-dir,",
                "fetched if missing; a patch or vectors file at the path the seed read, e.g. on a shared volume).",
                "Once its copy matches the learner's (same checksum), batches come as row numbers, not pixels; a",
                "node that cannot read it is sent pixels. Exits 0 when the seed has left, 3 when the cluster refused",
                "this node (a different sparse-stream build), 4 when no seed answered for two minutes."})
public final class ClusterWorkerCommand implements Callable<Integer> {
    @Option(names = "--join", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "The seed node to join (or several: the active seed and its standbys, the first that answers).")
    String join;

    @Option(names = "--workers", paramLabel = "N",
            description = "Inference workers on this node (default: one per core, sharing the cores' BLAS threads).")
    Integer workers;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where this node finds MNIST (DIR/mnist) and the demo patches (default: $SPARSE_STREAM_DATA, "
                    + "else ./data).")
    Path dataDir;

    @Mixin
    NodeOptions node = new NodeOptions();

    @Mixin
    DeviceOption device = new DeviceOption();

    /** The training set a run trains on, read as train reads it (its data record names dataset, file and split). */
    static Dataset trainingSet(WorkerCommand.TrainingRows rows, String configJson, Path dataDir) throws Exception {
        RunData run = Json.mapper().readValue(rows.runDataJson(), RunData.class);
        ModelConfig config = Json.mapper().readValue(configJson, ModelConfig.class);
        System.out.println("reading the run's training set (" + run.dataset() + (run.data() != null ? " " + run.data()
                : " in " + dataDir) + ") to be sent batches as rows");
        Dataset train = TrainingData.ofRun(run.dataset(), run, null, dataDir, config.seed(), config.batchSize())
                .splits().train();
        Dataset set = run.trainSamples() != null ? train.head(run.trainSamples()) : train;
        long crc = set.checksum(); // kept by the set: the node's check reads it again for free
        System.out.printf("read %d x %d samples, CRC-32C %08x (the learner's %08x): %s%n", set.size(), set.dim(),
                crc, rows.checksum(), crc == rows.checksum() ? "batches come as rows"
                        : "not the learner's data, so batches come with their pixels");
        return set;
    }

    @Override
    public Integer call() throws Exception {
        java.util.List<Address> seeds = ClusterNode.addresses(join);
        Address seed = seeds.get(0);
        int n = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        if (n < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, got " + n);
        }
        var config = node.config(ClusterNode.WORKER_ROLE, routeTo(seed), 0);
        Device d = device.open();
        d.setThreads(Math.max(1, d.threads() / n));
        Path dir = dataDir != null ? dataDir : MnistData.defaultDataDir();
        ActorSystem<?> system = ActorSystem.create(WorkerNode.create(n, d, (rows, configJson) -> trainingSet(rows,
                configJson, dir)), ClusterNode.SYSTEM_NAME, config);
        System.out.println("worker node " + ClusterNode.hostPort(system) + " with " + n + " inference worker(s) joining "
                + join);
        ClusterNode.joinSeeds(system, seeds);
        system.getWhenTerminated().toCompletableFuture().join();
        var reason = CoordinatedShutdown.get(Adapter.toClassic(system)).getShutdownReason();
        if (reason.isPresent() && reason.get() == CoordinatedShutdown.incompatibleConfigurationDetectedReason()) {
            System.err.println("sparse-stream: the cluster at " + join + " refused this node: its sparse-stream build "
                    + "(protocol version) differs from this one's; run the same build on every node");
            return 3;
        }
        if (reason.isPresent() && reason.get() == CoordinatedShutdown.clusterJoinUnsuccessfulReason()) {
            System.err.println("sparse-stream: no seed answered at " + join + "; is 'cluster seed' running there, and "
                    + "is the port reachable from here?");
            return 4;
        }
        System.out.println("worker node stopped" + reason.map(r -> " (" + describe(r) + ")").orElse(""));
        return 0;
    }

    private static String describe(CoordinatedShutdown.Reason r) {
        if (r == CoordinatedShutdown.clusterDowningReason()) {
            return "downed: it was cut off from the seed, or the seed died";
        } else if (r == CoordinatedShutdown.clusterLeavingReason()) {
            return "it left the cluster";
        } else if (r == CoordinatedShutdown.actorSystemTerminateReason()) {
            return "the seed is gone from the cluster"; // WorkerNode terminates the system when the seed is removed
        } else if (r == CoordinatedShutdown.jvmExitReason()) {
            return "interrupted";
        }
        return r.toString();
    }

    /**
     * The local address this machine uses to reach the seed (the kernel's routing choice; connecting a UDP
     * socket sends nothing), so that the seed can reach this node back at it.
     */
    static String routeTo(Address seed) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(seed.host().get(), (Integer) seed.port().get()));
            String local = s.getLocalAddress().getHostAddress();
            return local.equals("0.0.0.0") || local.equals("::") ? "127.0.0.1" : local;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot find a route to the seed " + seed.host().get() + ": "
                    + e.getMessage());
        }
    }
}
