package dev.sparsestream.app.cluster;

import static dev.sparsestream.app.cluster.ClusterCommandsTest.await;
import static dev.sparsestream.app.cluster.ClusterCommandsTest.read;
import static dev.sparsestream.app.cluster.ClusterCommandsTest.status;
import static dev.sparsestream.app.train.CommandLineTest.mnistParent;
import static dev.sparsestream.app.train.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.app.bench.ClusterBench;
import dev.sparsestream.app.web.ControlInfo;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.SnapshotFiles;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standby seed takes the run over when the active seed is killed with SIGKILL mid-epoch: three JVMs (seed,
 * standby, worker) on MNIST at K = 0, and the run ends with the same weights, bit for bit, as an uninterrupted
 * run with the same seed. The time from the kill to the first batch applied on the standby is printed.
 */
public class FailoverTest {
    private static final int PER_EPOCH = 40;

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    private static List<String> runOptions(Path data, Path out) {
        return List.of("--model", "VDL", "--epochs", "2", "--train-samples", Integer.toString(PER_EPOCH * 250),
                "--max-staleness", "0", "--snapshot-every", "10", "--data-dir", data.toString(), "--out", out.toString(),
                "--no-progress", "--http-port", "0", "--down-after", "2s");
    }

    private Process start(Path log, List<String> args) throws Exception {
        Process p = new ProcessBuilder(ClusterBench.javaCommand(List.of("-Xmx1g"), args)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The three nodes of a run, paused until all are in. */
    private record Nodes(Path runDir, Process seed, Process standby, Path standbyLog, Process worker, Path workerLog,
                         String url) {
    }

    private Path referenceRun(Path data) {
        Path reference = tmp.resolve("reference");
        List<String> train = new ArrayList<>(List.of("train", "--workers", "1"));
        train.addAll(runOptions(data, reference).stream().filter(o -> !o.equals("--down-after") && !o.equals("2s"))
                .toList());
        train.add("--no-dashboard");
        assertEquals(0, run(train.toArray(String[]::new)).code());
        return reference;
    }

    private Nodes startNodes(Path data) throws Exception {
        Path runDir = tmp.resolve("cluster");
        int seedPort = freePort();
        int standbyPort = freePort();
        List<String> seedArgs = new ArrayList<>(List.of("cluster", "seed", "--workers", "0", "--port",
                Integer.toString(seedPort)));
        seedArgs.addAll(runOptions(data, runDir));
        Process seed = start(tmp.resolve("seed.log"), seedArgs);
        await(() -> Files.exists(new RunFolder(runDir).controlInfo()) || !seed.isAlive(), 120, "the seed's endpoint");
        assertEquals(0, run("control", "pause", "--run", runDir.toString()).code()); // until every node is in
        List<String> standbyArgs = new ArrayList<>(List.of("cluster", "seed", "--standby", "--join",
                "127.0.0.1:" + seedPort, "--workers", "0", "--port", Integer.toString(standbyPort)));
        standbyArgs.addAll(runOptions(data, runDir));
        Path standbyLog = tmp.resolve("standby.log");
        Process standby = start(standbyLog, standbyArgs);
        Path workerLog = tmp.resolve("worker.log");
        Process worker = start(workerLog, List.of("cluster", "worker", "--join", "127.0.0.1:" + seedPort
                + ",127.0.0.1:" + standbyPort, "--host", "127.0.0.1", "--workers", "1", "--down-after", "2s"));
        String url = "http://127.0.0.1:" + ControlInfo.read(runDir).port() + "/api/status";
        await(() -> status(url).path("workers").asInt() == 1 && status(url).path("cluster").path("nodes").size() == 3,
                120, "the standby and the worker in the cluster");
        await(() -> read(standbyLog).contains("standby seed at"), 60, "the standby standing by");
        return new Nodes(runDir, seed, standby, standbyLog, worker, workerLog, url);
    }

    /** Every batch applied once, in order, and the weights of the uninterrupted run, byte for byte. */
    private static void assertLikeTheUninterruptedRun(Path runDir, Path reference) throws Exception {
        List<BatchRecord> batches = SnapshotFiles.readLatest(runDir).monitor().batches();
        assertEquals(2 * PER_EPOCH, batches.size(), "every batch of 2 epochs");
        for (int k = 0; k < batches.size(); k++) {
            assertEquals(k, batches.get(k).seq(), "each batch applied once, in order");
        }
        for (String f : List.of("S.npy", "U.npy", "W.npy", "b.npy")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve("model").resolve(f)),
                    Files.readAllBytes(runDir.resolve("model").resolve(f)), f + " as in the uninterrupted run");
        }
    }

    @Test
    void theStandbyFinishesTheRunOfASeedKilledMidEpochWithTheWeightsOfAnUninterruptedRun() throws Exception {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        Path reference = referenceRun(data);
        Nodes n = startNodes(data);
        Path runDir = n.runDir();
        Process seed = n.seed();
        Process standby = n.standby();
        Path standbyLog = n.standbyLog();
        String url = n.url();

        assertEquals(0, run("control", "resume", "--run", runDir.toString()).code());
        await(() -> status(url).path("appliedBatches").asInt() >= PER_EPOCH + 5, 120, "batches into epoch 2");
        assertEquals(0, run("control", "pause", "--run", runDir.toString()).code());
        int appliedAtKill = status(url).path("appliedBatches").asInt();
        long seedPid = seed.pid();
        seed.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no snapshot, no goodbye
        long killed = System.nanoTime();
        assertEquals(137, seed.exitValue(), "killed by SIGKILL");

        // The first batch applied on the standby: its endpoint (written to the run folder) counts past the snapshot.
        await(() -> {
            try {
                ControlInfo now = ControlInfo.read(runDir);
                return now.pid() != seedPid && status("http://127.0.0.1:" + now.port() + "/api/status")
                        .path("appliedBatches").asInt() > resumedAt(standbyLog) || !standby.isAlive();
            } catch (Exception notYet) {
                return false;
            }
        }, 120, "the standby applying a batch");
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertTrue(standby.waitFor(180, TimeUnit.SECONDS), "the standby finishes the run");
        assertEquals(0, standby.exitValue(), read(standbyLog));
        int resumedAt = resumedAt(standbyLog);
        System.out.printf("failover: killed after %d batches; the standby resumed at batch %d (snapshot every 10) and "
                + "applied its first batch %.2f s after the kill%n", appliedAtKill, resumedAt, seconds);
        assertTrue(appliedAtKill > PER_EPOCH && appliedAtKill < 2 * PER_EPOCH, "killed mid-epoch 2: " + appliedAtKill);
        assertTrue(resumedAt <= appliedAtKill && resumedAt >= appliedAtKill - 10, "the redo is bounded by "
                + "--snapshot-every: resumed at " + resumedAt + " after " + appliedAtKill + " were applied");

        assertLikeTheUninterruptedRun(runDir, reference);
        assertTrue(n.worker().waitFor(60, TimeUnit.SECONDS), "the worker node stops when the last seed has left");
        assertTrue(read(n.workerLog()).contains("the standby seed(s)"), read(n.workerLog()));
        // The worker node read MNIST itself, so its batches came as rows: the equality above holds for them too.
        assertTrue(read(n.workerLog()).contains("): batches come as rows"), read(n.workerLog()));
    }

    @Test
    void aStandbyKilledMidEpochLeavesTheRunUnchanged() throws Exception {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        Path reference = referenceRun(data);
        Nodes n = startNodes(data);
        assertEquals(0, run("control", "resume", "--run", n.runDir().toString()).code());
        await(() -> status(n.url()).path("appliedBatches").asInt() >= PER_EPOCH + 5, 120, "batches into epoch 2");
        n.standby().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertEquals(137, n.standby().exitValue(), "killed by SIGKILL");
        assertTrue(n.seed().waitFor(180, TimeUnit.SECONDS), "the seed finishes the run");
        assertEquals(0, n.seed().exitValue(), read(tmp.resolve("seed.log")));
        assertLikeTheUninterruptedRun(n.runDir(), reference);
        assertTrue(n.worker().waitFor(60, TimeUnit.SECONDS), "the worker node stops with the seed");
        assertTrue(read(tmp.resolve("seed.log")).contains("(seed) was removed"), "the seed saw the standby removed");
    }

    private static int resumedAt(Path standbyLog) {
        Matcher m = Pattern.compile("resuming at batch (\\d+)").matcher(read(standbyLog));
        return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }
}
