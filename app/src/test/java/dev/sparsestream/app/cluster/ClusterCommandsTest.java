package dev.sparsestream.app.cluster;

import dev.sparsestream.app.train.CommandLineTest;
import dev.sparsestream.app.web.ControlInfo;
import dev.sparsestream.app.bench.ClusterBench;
import dev.sparsestream.app.Main;
import dev.sparsestream.actors.RunFolder;
import static dev.sparsestream.app.train.CommandLineTest.mnistParent;
import static dev.sparsestream.app.train.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The cluster commands end to end: a seed in this JVM, worker nodes as JVMs of their own, one killed with -9. */
public class ClusterCommandsTest {
    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void badClusterInputGetsAClearError() {
        CommandLineTest.Run join = run("cluster", "worker", "--join", "nohost");
        assertEquals(2, join.code());
        assertTrue(join.err().contains("expected HOST:PORT, got 'nohost'"), join.err());
        CommandLineTest.Run port = run("cluster", "worker", "--join", "127.0.0.1:99999");
        assertEquals(2, port.code());
        assertTrue(port.err().contains("must be 1..65535"), port.err());
        CommandLineTest.Run size = run("cluster", "worker", "--join", "127.0.0.1:2551", "--max-message-size", "lots");
        assertEquals(2, size.code());
        assertTrue(size.err().contains("--max-message-size lots is not a size"), size.err());
        CommandLineTest.Run after = run("cluster", "worker", "--join", "127.0.0.1:2551", "--down-after", "0s");
        assertEquals(2, after.code());
        assertTrue(after.err().contains("--down-after must be positive"), after.err());
        for (String c : new String[] {"seed", "worker"}) {
            CommandLineTest.Run help = run("cluster", c, "--help");
            assertEquals(0, help.code(), c);
            assertTrue(help.out().contains("Usage: sparse-stream cluster " + c), help.out());
        }
    }

    @Test
    void aSeedRefusesAModelWhoseWeightsExceedTheMessageSize() {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        CommandLineTest.Run r = run("cluster", "seed", "--model", "VDL-NL", "--max-message-size", "1MiB", "--data-dir",
                data.toString(), "--out", tmp.resolve("r").toString(), "--no-dashboard", "--train-samples", "500");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("more than --max-message-size 1MiB"), r.err());
    }

    @Test
    void threeNodeClusterSurvivesAWorkerNodeKilledWithSigkillAndItsPeerStopsWithTheSeed() throws Exception {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path runDir = tmp.resolve("cluster");
        CommandLine seed = Main.commandLine();
        StringWriter seedErr = new StringWriter();
        seed.setErr(new PrintWriter(seedErr, true));
        CompletableFuture<Integer> job = CompletableFuture.supplyAsync(() -> seed.execute("cluster", "seed",
                "--model", "VDL", "--epochs", "2", "--train-samples", "10000", "--max-staleness", "2", "--workers", "1",
                "--port", Integer.toString(port), "--down-after", "2s", "--data-dir", data.toString(),
                "--out", runDir.toString(), "--no-progress", "--http-port", "0"));
        await(() -> Files.exists(new RunFolder(runDir).controlInfo()) || job.isDone(), 60, "the seed's endpoint");
        assertEquals(0, run("control", "pause", "--run", runDir.toString()).code()); // until the workers are in

        List<Path> logs = List.of(tmp.resolve("survivor.log"), tmp.resolve("victim.log"));
        for (Path log : logs) {
            processes.add(new ProcessBuilder(ClusterBench.javaCommand(List.of("-Xmx1g"), List.of("cluster", "worker",
                    "--join", "127.0.0.1:" + port, "--host", "127.0.0.1", "--workers", "1", "--down-after", "2s")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start());
        }
        for (Path log : logs) {
            await(() -> read(log).contains("joined the cluster"), 120, "a worker node joining: " + log);
        }
        String url = "http://127.0.0.1:" + ControlInfo.read(runDir).port() + "/api/status";
        await(() -> status(url).path("workers").asInt() == 3, 60, "three workers in the pool");
        assertEquals(0, run("control", "resume", "--run", runDir.toString()).code());
        await(() -> status(url).path("appliedBatches").asInt() >= 10, 60, "batches applied across the nodes");

        Process victim = processes.get(1);
        victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no goodbye to the cluster
        assertEquals(137, victim.exitValue(), "killed by SIGKILL");
        assertEquals(0, run("control", "pause", "--run", runDir.toString()).code()); // to look at the dashboard
        await(() -> status(url).path("cluster").path("events").toString().contains("is unreachable"), 60,
                "the dashboard shows the dead node unreachable");
        await(() -> status(url).path("cluster").path("events").toString().contains("was removed"), 60,
                "the dashboard shows the dead node removed");
        assertEquals(2, status(url).path("cluster").path("nodes").size());
        assertEquals(0, run("control", "resume", "--run", runDir.toString()).code());

        assertEquals(0, job.get(300, TimeUnit.SECONDS), seedErr.toString());
        JsonNode report = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());
        assertEquals(2, report.get("epochs").size());
        Snapshot last = SnapshotFiles.readLatest(runDir);
        List<BatchRecord> batches = last.monitor().batches();
        assertEquals(80, batches.size(), "every batch of 2 epochs of 40");
        for (int k = 0; k < batches.size(); k++) {
            assertEquals(k, batches.get(k).seq(), "each batch applied once, in order");
        }
        Process survivor = processes.get(0);
        assertTrue(survivor.waitFor(60, TimeUnit.SECONDS), "the surviving worker node stops with the seed");
        assertEquals(0, survivor.exitValue(), read(logs.get(0)));
        assertTrue(read(logs.get(0)).contains("is gone from the cluster"), read(logs.get(0)));
    }

    static JsonNode status(String url) {
        try {
            var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(response.body());
        } catch (Exception e) {
            return new ObjectMapper().createObjectNode();
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** Polls what other processes do (files, HTTP): there is nothing to synchronise with across processes. */
    static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(100);
        }
    }
}
