package dev.sparsestream.app.bench;

import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.Learner;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.RunSettings;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.core.data.BatchOrder;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.InferenceStep;
import dev.sparsestream.core.train.Trainer;
import dev.sparsestream.core.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code bench --pipeline}: one MNIST epoch through the core's sequential trainer and through the
 * streaming pipeline (K = 0 with 1 worker; K = 1 with 2 workers), in turn, so that the load of a shared
 * machine weighs on all three alike. Epoch seconds include validation for all three; the pipeline
 * writes its end-of-epoch snapshot to a temporary folder as {@code train} does. Each round also runs FISTA
 * alone over one epoch's batches on one thread, and on two threads at once (each the same batches, its own
 * copy of the weights): what two cores give this work with nothing shared, the bound for two workers.
 */
public final class PipelineBench {
    private record Variant(String name, int workers, int staleness) {
    }

    private static final Variant[] VARIANTS = {
            new Variant("sequential trainer", 0, 0),
            new Variant("pipeline K=0, 1 worker", 1, 0),
            new Variant("pipeline K=1, 2 workers", 2, 1)};

    private final Path dataDir;
    private final Family family;
    private final int rounds;

    PipelineBench(Path dataDir, Family family, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        }
        this.dataDir = dataDir;
        this.family = family;
        this.rounds = rounds;
    }

    int run() throws Exception {
        Splits data = BenchCommand.mnistOrSay(dataDir, "--pipeline");
        if (data == null) {
            return 1;
        }
        ModelConfig.Builder b = Presets.mnist(family).toBuilder();
        b.epochs = 1;
        ModelConfig c = b.build();
        System.out.printf("one MNIST epoch of %s (%d batches of %d, validation included), %d rounds, %d cores%n",
                family, data.train().size() / c.batchSize(), c.batchSize(), rounds,
                Runtime.getRuntime().availableProcessors());
        double[][] seconds = new double[VARIANTS.length][rounds];
        double[] scaling = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < VARIANTS.length; v++) {
                EpochReport e = epoch(VARIANTS[v], c, data);
                seconds[v][r] = e.seconds();
                System.out.printf("round %d  %-26s %7.2f s  train energy %.2f  val energy %.2f  val PSNR %.2f dB%n",
                        r + 1, VARIANTS[v].name(), e.seconds(), e.train().energy(), e.val().energy(), e.val().psnr());
            }
            double one = fistaAlone(c, data, 1);
            double two = fistaAlone(c, data, 2);
            scaling[r] = 2 * one / two;
            System.out.printf("round %d  FISTA alone: one thread %.2f s, two threads at once %.2f s (%.2fx one core's rate)%n",
                    r + 1, one, two, scaling[r]);
        }
        System.out.println("medians:");
        for (int v = 0; v < VARIANTS.length; v++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = seconds[v][r] / seconds[0][r];
            }
            System.out.printf("  %-26s %7.2f s  (ratio to sequential %.2f)%n", VARIANTS[v].name(),
                    BenchCommand.median(seconds[v]), BenchCommand.median(ratio));
        }
        System.out.printf("  two cores run FISTA at %.2fx one core's rate (2.00 if they did not slow each other)%n",
                BenchCommand.median(scaling));
        return 0;
    }

    /**
     * Wall seconds for FISTA (with encoder warm start) over one epoch's batches with the initial weights, on
     * {@code threads} threads at once, each over the same batches with its own copy of the model and one BLAS
     * thread (as the pipeline's workers run).
     */
    private static double fistaAlone(ModelConfig c, Splits data, int threads) throws InterruptedException {
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        int n = c.batchSize();
        int[] order = new BatchOrder(data.train().size(), n, c.seed()).permutation(0);
        int batches = data.train().size() / n;
        FistaParams p = FistaParams.of(c);
        Device device = Devices.cpu();
        int blasThreads = device.threads();
        device.setThreads(1);
        Thread[] running = new Thread[threads];
        long t0 = System.nanoTime();
        try {
            for (int t = 0; t < threads; t++) {
                InferenceStep step = new InferenceStep(model.copy(), n);
                Matrix y = Matrix.zeros(n, c.dataDim());
                running[t] = new Thread(() -> {
                    for (int b = 0; b < batches; b++) {
                        data.train().copyRows(order, b * n, n, y.data());
                        step.solve(y, p);
                    }
                }, "bench-fista-" + t);
                running[t].start();
            }
            for (Thread t : running) {
                t.join();
            }
        } finally {
            device.setThreads(blasThreads);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static EpochReport epoch(Variant v, ModelConfig c, Splits data) throws IOException {
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        if (v.workers() == 0) {
            return new Trainer(c).train(model, data.train(), data.val(), null, TrainingListener.NONE).epochs().get(0);
        }
        Path dir = Files.createTempDirectory("sparse-stream-bench");
        try (StreamingTrainer run = StreamingTrainer.start(new TrainingRun.Parts(
                new RunSettings(c, v.workers(), v.staleness(), 0, dir), model, data.train(), data.val(), null,
                RunListener.NONE, Learner.UpdateListener.NONE, InferenceWorker.BeforeInference.NONE))) {
            RunOutcome o = run.await();
            if (o.status() != RunOutcome.Status.COMPLETED) {
                throw new IllegalStateException(v.name() + ": " + o.message());
            }
            return o.monitor().epochs().get(0);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
