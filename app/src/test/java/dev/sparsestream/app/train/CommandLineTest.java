package dev.sparsestream.app.train;

import dev.sparsestream.app.Main;
import dev.sparsestream.actors.RunFolder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.core.io.NpyFiles;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line end to end: train writes a loadable model and a complete report; encode uses it. */
public class CommandLineTest {
    @TempDir
    Path tmp;

    public static Path mnistParent() {
        Path dir = MnistData.defaultDataDir();
        if (MnistFiles.problems(dir.resolve("mnist")).isEmpty()) {
            return dir;
        }
        return Path.of("..", "data");
    }

    /**
     * A VDL run of 500 epochs on 1,000 samples training in the background with its HTTP endpoint on a free port,
     * started and awaited until its control.json is written (its endpoint is bound); stop it with {@code control stop}.
     */
    public record LiveRun(CompletableFuture<Integer> job, StringWriter err) {
        public static LiveRun start(Path data, Path runDir) throws InterruptedException {
            CommandLine train = Main.commandLine();
            StringWriter err = new StringWriter();
            train.setErr(new PrintWriter(err, true));
            CompletableFuture<Integer> job = CompletableFuture.supplyAsync(() -> train.execute("train", "--model", "VDL",
                    "--epochs", "500", "--train-samples", "1000", "--data-dir", data.toString(), "--out",
                    runDir.toString(), "--no-progress", "--http-port", "0"));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (Files.notExists(new RunFolder(runDir).controlInfo()) && !job.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(10); // polling a file another thread writes, not synchronising actors
            }
            assertTrue(Files.exists(new RunFolder(runDir).controlInfo()), "the job's control endpoint came up: " + err);
            return new LiveRun(job, err);
        }
    }

    public record Run(int code, String out, String err) {
    }

    public static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(out, true);
        System.setOut(capture);
        // Built after System.out is replaced, so picocli's own writer (help, usage) goes to the capture too.
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        try {
            int code = cl.execute(args);
            cl.getOut().flush();
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void trainWritesReportAndModelThenEncodeUsesIt() throws Exception {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        Path runDir = tmp.resolve("run");
        Run r = run("train", "--dataset", "mnist", "--model", "VDL", "--lambda", "0.02", "--epochs", "2",
                "--train-samples", "1000", "--data-dir", data.toString(), "--out", runDir.toString(), "--no-progress",
                "--http-port", "0", "--backtracking");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch   1") && r.out().contains("epoch   2"), r.out());
        assertTrue(!r.out().contains("warning: every code"), r.out());

        JsonNode report = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());
        assertEquals("VDL", report.get("model").asText());
        assertEquals(0.02, report.get("lambda").asDouble(), 1e-12);
        assertEquals(2, report.get("epochs").size());
        for (JsonNode e : report.get("epochs")) {
            assertTrue(e.get("seconds").asDouble() > 0);
            for (String part : new String[] {"train", "val"}) {
                for (String f : new String[] {"energy", "psnr", "sparsity", "fistaSteps"}) {
                    assertTrue(e.get(part).has(f), part + "." + f + " missing");
                }
            }
        }
        int best = report.get("bestEpoch").asInt();
        assertTrue(best == 1 || best == 2);
        double sparsity = report.get("test").get("sparsity").asDouble();
        assertTrue(sparsity >= 0 && sparsity <= 1);
        assertTrue(report.get("test").get("psnr").asDouble() > 5);

        assertEquals(0, report.get("lambdaChanges").size(), "lambda was not changed");
        assertTrue(Files.notExists(new RunFolder(runDir).controlInfo()), "the control endpoint is gone");
        JsonNode runJson = new ObjectMapper().readTree(runDir.resolve("run.json").toFile());
        assertEquals("completed", runJson.get("status").asText());
        assertEquals(1000, runJson.get("trainSamples").asInt());
        Run again = run("train", "--resume", runDir.toString(), "--data-dir", data.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already complete") && again.err().contains("--init-from"), again.err());

        SparseAutoencoder model = ModelStore.load(runDir.resolve("model"));
        assertEquals(0.02, model.config().lambda(), 1e-12);
        assertTrue(model.config().backtracking(), "--backtracking is in the saved configuration");
        Run changed = run("train", "--resume", runDir.toString(), "--epochs", "3", "--backtracking");
        assertEquals(2, changed.code());
        assertTrue(changed.err().contains("--backtracking cannot be given with --resume"), changed.err());

        // encode: 300 random inputs (a full batch and a remainder of 50).
        Random rng = new Random(3);
        Matrix x = Matrix.uniform(300, 784, 1.0, rng);
        Path xFile = tmp.resolve("x.npy");
        NpyFiles.write(xFile, x);
        Path zFile = tmp.resolve("z.npy");
        Run enc = run("encode", "--model", runDir.resolve("model").toString(), "--input", xFile.toString(),
                "--out", zFile.toString());
        assertEquals(0, enc.code(), enc.err());
        assertTrue(enc.out().contains("PSNR") && enc.out().contains("sparsity"), enc.out());
        Matrix z = NpyFiles.readMatrix(zFile);
        assertEquals(300, z.rows());
        assertEquals(128, z.cols());
        // Encoder codes equal the model's encoder applied directly (independent of the batching).
        var ws = model.encoder().workspace(1);
        Matrix row = Matrix.zeros(1, 784);
        row.data().put(0, x.data(), 299 * 784, 784);
        Matrix zRow = ws.forward(row);
        for (int j = 0; j < 128; j++) {
            assertEquals(zRow.get(0, j), z.get(299, j), 1e-4);
        }

        Run fista = run("encode", "--model", runDir.resolve("model").toString(), "--input", xFile.toString(),
                "--out", tmp.resolve("zf.npy").toString(), "--fista");
        assertEquals(0, fista.code(), fista.err());
        assertTrue(fista.out().contains("mean FISTA steps"), fista.out());
    }

    @Test
    void aRunningJobTakesLambdaAndStopsWithASnapshotThenResumesToTheEnd() throws Exception {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        Path runDir = tmp.resolve("live");
        LiveRun live = LiveRun.start(data, runDir);
        CompletableFuture<Integer> job = live.job();
        StringWriter trainErr = live.err();
        Run lambda = run("control", "lambda", "0.03", "--run", runDir.toString());
        assertEquals(0, lambda.code(), lambda.err());
        Run stop = run("control", "stop", "--run", runDir.toString());
        assertEquals(0, stop.code(), stop.err());
        assertTrue(stop.out().contains("snapshot"), stop.out());
        assertEquals(0, job.get(60, TimeUnit.SECONDS), trainErr.toString());
        JsonNode runJson = new ObjectMapper().readTree(runDir.resolve("run.json").toFile());
        assertEquals("stopped", runJson.get("status").asText(), runJson.toString());
        assertTrue(Files.notExists(new RunFolder(runDir).controlInfo()), "the endpoint is gone");

        Snapshot snap = SnapshotFiles.readLatest(runDir);
        int done = snap.monitor().epochs().size();
        Run resumed = run("train", "--resume", runDir.toString(), "--epochs", String.valueOf(done + 2),
                "--data-dir", data.toString(), "--no-progress", "--no-dashboard");
        assertEquals(0, resumed.code(), resumed.err());
        JsonNode report = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());
        assertEquals(done + 2, report.get("epochs").size(), "stopped after " + done + " epochs: " + resumed.out());
        JsonNode changes = report.get("lambdaChanges");
        assertEquals(1, changes.size(), changes.toString());
        assertEquals(0.03, changes.get(0).get("lambda").asDouble(), 1e-12, changes.toString());
        // Applied from the next batch started: before the stop, or (if none started in between) the first resumed one.
        assertTrue(changes.get(0).get("fromBatch").asLong() <= snap.nextSeq(), changes.toString());
        JsonNode end = new ObjectMapper().readTree(runDir.resolve("run.json").toFile());
        assertEquals("completed", end.get("status").asText(), end.toString());

        // The metrics CSVs: a row per batch applied and per epoch, each once across the stop and the resume.
        Snapshot last = SnapshotFiles.readLatest(runDir);
        List<String> batches = Files.readAllLines(new RunFolder(runDir).batchesCsv());
        assertEquals(last.monitor().batches().size() + 1, batches.size(), "a header and a row per batch applied");
        for (int i = 1; i < batches.size(); i++) {
            assertEquals(i - 1, Long.parseLong(batches.get(i).substring(0, batches.get(i).indexOf(','))), "seq order");
        }
        // Read by numpy (what pandas builds on): the epochs' validation energies are report.json's.
        String vals = numpy(new RunFolder(runDir).epochsCsv(),
                "a = np.genfromtxt(path, delimiter=',', names=True)\nprint(' '.join(repr(float(v)) for v in a['val_energy']))");
        List<Double> fromReport = new java.util.ArrayList<>();
        report.get("epochs").forEach(e -> fromReport.add(e.get("val").get("energy").asDouble()));
        assertEquals(fromReport, java.util.Arrays.stream(vals.split(" ")).map(Double::valueOf).toList());
    }

    /** Runs a Python snippet with numpy as np and {@code path} bound (Debian's python3-numpy: ./run-tests installs it). */
    private static String numpy(Path file, String snippet) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy as np, sys\npath = sys.argv[1]\n" + snippet,
                file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 finished");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void aModelWhoseCodesAreAllZeroIsToldSo() throws Exception {
        Path data = mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        // DO-NL's codes start at 0.1; a threshold of 0.05 a step takes them to 0 before the untrained decoder pulls
        Run r = run("train", "--model", "DO-NL", "--lambda", "0.05", "--epochs", "2", "--train-samples", "500",
                "--data-dir", data.toString(), "--out", tmp.resolve("dead").toString(), "--no-progress", "--no-dashboard");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("warning: every code of epoch 1 was zero") && r.out().contains("smaller --lambda"),
                r.out());
        assertEquals(1, r.out().split("warning: every code", -1).length - 1, "said once: " + r.out());
    }

    @Test
    void badInputGetsAClearError() throws Exception {
        Run r = run("train", "--model", "XYZ", "--out", tmp.resolve("r").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown model 'XYZ'"), r.err());

        Run neg = run("train", "--lambda", "-1", "--out", tmp.resolve("r").toString());
        assertEquals(2, neg.code());
        assertTrue(neg.err().contains("lambda"), neg.err());

        Run missing = run("encode", "--model", tmp.resolve("nope").toString(), "--input", "x.npy", "--out", "z.npy");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope"), missing.err());
        assertTrue(Files.notExists(Path.of("z.npy")));
    }

    @Test
    void benchMessagesGivesEachPayloadsSizeAndItsKryoTimes() {
        Run r = run("bench", "--messages", "--reps", "3");
        assertEquals(0, r.code(), r.err());
        // VDL on MNIST: W (784 x 128) + U (128 x 784) + S (128 x 128) + b (128) floats, a batch of 250 x 784 (or its
        // 250 row numbers), the codes (250 x 128) and four LISTA activations of 250 x 128, each with Kryo's few bytes
        // of framing.
        for (String[] line : new String[][] {{"weights (one version)", "0.869"}, {"batch as pixels", "0.784"},
                {"batch as rows", "0.001"}, {"codes + encoder pass", "0.640"}, {"  a remote batch, pixels", "2.293"},
                {"  a remote batch, rows", "1.510"}, {"weights' floats, per value", "0.869"}}) {
            assertTrue(r.out().contains(String.format("%-29s %6s", line[0], line[1])), line[0] + ": " + r.out());
        }
    }

    @Test
    void everySubcommandHasHelp() {
        for (String c : new String[] {"fetch", "patches", "train", "cluster", "encode", "bench", "control"}) {
            Run r = run(c, "--help");
            assertEquals(0, r.code(), c);
            assertTrue(r.out().contains("Usage: sparse-stream " + c), r.out());
        }
    }
}
