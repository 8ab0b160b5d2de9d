package dev.sparsestream.app.bench;

import dev.sparsestream.app.train.DeviceOption;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.LinearDecoder;
import dev.sparsestream.core.model.MlpDecoder;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Trainer;
import dev.sparsestream.core.train.TrainingListener;
import dev.sparsestream.core.train.TrainingStep;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the engine and print medians (ms) and ratios.",
                "FISTA step (batch 250, l = 128) against its BLAS products alone, for the linear decoder (one l x l Gram",
                "product per step) and the non-linear one (m = 1024: four large products per step); one training batch",
                "(inference plus updates) of VDL and VDL-NL on MNIST; with --epoch, one whole training epoch of each",
                "(55,000 images, validation included). Medians, since the machine may be shared."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--reps", defaultValue = "30", description = "Repetitions per measurement (default 30).")
    int reps;

    @Option(names = "--epoch", description = "Also time one whole MNIST epoch of VDL and VDL-NL.")
    boolean epoch;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (default $SPARSE_STREAM_DATA or ./data).")
    Path dataDir;

    @Option(names = "--pipeline", description = {"Instead: one MNIST epoch (validation included) of --model through the",
            "core's sequential trainer, the streaming pipeline with K = 0 and 1 worker, and the pipeline with K = 1",
            "and 2 workers, --rounds times in turn; prints each epoch and the medians and paired ratios."})
    boolean pipeline;

    @Option(names = "--cluster", paramLabel = "N", description = {"Instead: MNIST epochs of --model on local clusters",
            "of 1..N nodes (this process the seed, the others 'cluster worker' JVMs, one worker each, K = nodes - 1);",
            "prints samples per second and the weights' bytes per second sent by the seed."})
    Integer cluster;

    @Option(names = "--cluster-epochs", defaultValue = "4", paramLabel = "E",
            description = "Epochs per cluster for --cluster; the first is left out (default 4).")
    int clusterEpochs;

    @Option(names = "--cluster-samples", defaultValue = "20000", paramLabel = "S",
            description = "Training samples per epoch for --cluster (default 20000).")
    int clusterSamples;

    @Option(names = "--model", defaultValue = "VDL", description = "Model for --pipeline and --cluster (default VDL).")
    String model;

    @Option(names = "--messages", description = {"Instead: the bytes of a remote batch's messages (a weight version,",
            "the batch, its codes and encoder pass) for --model and their Kryo write and read times (medians of --reps)."})
    boolean messages;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds for --pipeline (default 3).")
    int rounds;

    @Option(names = "--active", description = {"Instead: a FISTA step's decoder gradient against the number of samples",
            "still active (250 down to 1), for the linear (l = 128) and non-linear (m = 1024) decoders on MNIST-sized",
            "weights; prints medians and each cost against a step on all 250 samples scaled to that many."})
    boolean active;

    @Mixin
    DeviceOption device = new DeviceOption();

    private static final int N = 250;
    private static final int STEPS = 20;

    @Override
    public Integer call() throws Exception {
        Device onDevice = device.open();
        System.out.printf("sparse-stream bench: %s; %d repetitions%n", onDevice.describe(), reps);
        if (cluster != null) {
            return new ClusterBench(dataDir, Family.parse(model), cluster, clusterEpochs, clusterSamples).run();
        }
        if (pipeline) {
            return new PipelineBench(dataDir, Family.parse(model), rounds).run();
        }
        if (messages) {
            return new MessageBench(Family.parse(model), reps).run();
        }
        if (active) {
            return activeRows(onDevice);
        }
        Random rng = new Random(7);
        Matrix y = Matrix.uniform(N, 784, 1.0, rng);
        Matrix zE = Matrix.uniform(N, 128, 0.3, rng);
        Dataset mnistTrain = null;
        Path mnistDir = (dataDir != null ? dataDir : MnistData.defaultDataDir()).resolve("mnist");
        Splits splits = null;
        if (MnistFiles.problems(mnistDir).isEmpty()) {
            splits = MnistData.load(mnistDir);
            mnistTrain = splits.train();
            mnistTrain.copyRows(0, N, y.data());
        } else {
            System.out.println("(MNIST not found in " + mnistDir + ": using random inputs)");
        }

        // Linear: step vs its one product x G.
        LinearDecoder lin = LinearDecoder.initialise(128, 784, rng);
        lin.normaliseColumns();
        Matrix gram = Matrix.uniform(128, 128, 0.1, rng);
        Matrix out = Matrix.zeros(N, 128);
        pairedStep("linear FISTA step (n=250, l=128)", lin, y, zE, FistaParams.of(Presets.mnist(Family.VDL)),
                "x G product alone", () -> Matrix.gemm(zE, false, gram, false, out, 1f, 0f));

        MlpDecoder mlp = MlpDecoder.initialise(128, 1024, 784, rng);
        Matrix h = Matrix.zeros(N, 1024);
        Matrix r = Matrix.zeros(N, 784);
        pairedStep("non-linear FISTA step (m=1024)", mlp, y, zE, FistaParams.of(Presets.mnist(Family.VDL_NL)),
                "its four products alone", () -> {
                    Matrix.gemm(zE, false, mlp.w1(), true, h, 1f, 0f);
                    Matrix.gemm(h, false, mlp.w2(), true, r, 1f, 0f);
                    Matrix.gemm(r, false, mlp.w2(), false, h, 1f, 0f);
                    Matrix.gemm(h, false, mlp.w1(), false, out, 1f, 0f);
                });

        for (Family f : new Family[] {Family.VDL, Family.VDL_NL}) {
            ModelConfig c = Presets.mnist(f);
            TrainingStep step = new TrainingStep(SparseAutoencoder.initialise(c), N);
            FistaParams p = FistaParams.of(c);
            Matrix batch = Matrix.zeros(N, 784);
            int[] counter = {0};
            Dataset data = mnistTrain;
            double[] steps = {0};
            double t = median(() -> {
                if (data != null) {
                    data.copyRows((counter[0]++ * N) % (data.size() - N), N, batch.data());
                } else {
                    batch.copyFrom(y);
                }
                steps[0] += step.apply(batch, p).fistaSteps();
            }, reps);
            System.out.printf("%-34s %8.2f ms  (mean FISTA steps %.1f, fresh model)%n", "training batch " + f, t,
                    steps[0] / (reps + 3));
        }

        if (epoch) {
            if (splits == null) {
                System.out.println("--epoch needs MNIST: run ./sparse-stream fetch mnist");
                return 1;
            }
            for (Family f : new Family[] {Family.VDL, Family.VDL_NL}) {
                ModelConfig.Builder b = Presets.mnist(f).toBuilder();
                b.epochs = 1;
                ModelConfig c = b.build();
                long t0 = System.nanoTime();
                var res = new Trainer(c).train(SparseAutoencoder.initialise(c), splits.train(), splits.val(), null,
                        TrainingListener.NONE);
                System.out.printf("%-34s %8.2f s   (mean FISTA steps %.1f, val PSNR %.2f dB)%n", "MNIST epoch " + f,
                        (System.nanoTime() - t0) / 1e9, res.epochs().get(0).train().fistaSteps(),
                        res.epochs().get(0).val().psnr());
            }
        }
        return 0;
    }

    /**
     * The decoder gradient of one FISTA step on the first r rows, for r from 250 down to 1: what a step costs
     * as a solve's samples converge. The gradient is called as FISTA calls it, repeatedly after one bind, so a
     * decoder's few-row path (its switch after some steps) is what is timed at small r.
     */
    private int activeRows(Device onDevice) {
        Random rng = new Random(11);
        Matrix y = Matrix.uniform(N, 784, 1.0, rng).copy();
        Matrix x = Matrix.zeros(N, 128);
        for (int i = 0; i < N * 128; i++) {
            // codes like FISTA's: non-negative, about 80% zeros
            x.data().put(i, rng.nextDouble() < 0.2 ? (float) rng.nextDouble() : 0f);
        }
        Matrix grad = Matrix.zeros(N, 128);
        int[] counts = {250, 128, 64, 32, 16, 8, 4, 3, 2, 1};
        for (Decoder dec : new Decoder[] {LinearDecoder.initialise(128, 784, rng), MlpDecoder.initialise(128, 1024, 784, rng)}) {
            Decoder.Workspace ws = dec.workspace(N);
            System.out.printf("%s decoder: gradient on the first r rows (median of %d, microseconds)%n",
                    dec instanceof MlpDecoder ? "non-linear (m = 1024)" : "linear (l = 128)", reps);
            double full = 0;
            for (int r : counts) {
                ws.bind(y);
                int rows = r;
                double ms = median(() -> ws.reconstructionGradient(x, grad, rows), reps);
                if (r == N) {
                    full = ms;
                }
                System.out.printf("  r = %3d  %9.1f us   %6.2f x (r / 250) of a full step%n", r, 1000 * ms,
                        ms / (full * r / N));
            }
        }
        return 0;
    }

    /**
     * Times a FISTA step and, right after it each round, the step's products alone (STEPS times), so that
     * the load of a shared machine weighs on both alike; prints the medians and the median of the ratios.
     */
    private void pairedStep(String what, Decoder dec, Matrix y, Matrix zE, FistaParams preset, String against,
                            Runnable products) {
        Decoder.Workspace ws = dec.workspace(N);
        ws.bind(y);
        Fista fista = device.open().fista(N, 128);
        // Tolerance 0 keeps every sample active, so each solve runs exactly STEPS full steps.
        FistaParams p = new FistaParams(preset.lambda(), preset.beta(), preset.hingeT(), preset.gamma(), preset.eta(),
                STEPS, Double.MIN_VALUE);
        Runnable solve = () -> fista.solve(ws, zE, zE, p);
        Runnable baseline = () -> {
            for (int i = 0; i < STEPS; i++) {
                products.run();
            }
        };
        paired(what, solve, against, baseline);
        // The same steps with backtracking's test (a step halved where the random decoder needs it).
        FistaParams bt = new FistaParams(p.lambda(), p.beta(), p.hingeT(), p.gamma(), p.eta(), STEPS, p.tolerance(), true);
        Fista other = device.open().fista(N, 128);
        paired("  with --backtracking", () -> other.solve(ws, zE, zE, bt), "fixed step", solve);
        System.out.printf("  (backtracking's mean step size %.3g, eta %.3g)%n", other.meanStepSize(), p.eta());
    }

    /** Median per-step times of two solves of STEPS steps, run in turn, and the median of their paired ratios. */
    private void paired(String what, Runnable solve, String against, Runnable baseline) {
        for (int i = 0; i < 3; i++) {
            solve.run();
            baseline.run();
        }
        double[] step = new double[reps];
        double[] base = new double[reps];
        double[] ratio = new double[reps];
        for (int i = 0; i < reps; i++) {
            step[i] = millis(solve) / STEPS;
            base[i] = millis(baseline) / STEPS;
            ratio[i] = step[i] / base[i];
        }
        System.out.printf("%-34s %8.3f ms  %s %.3f ms  ratio %.2f%n", what, median(step), against, median(base),
                median(ratio));
    }

    private static double millis(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double median(double[] values) {
        double[] t = values.clone();
        Arrays.sort(t);
        int k = t.length;
        return k % 2 == 1 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
    }

    /** Median wall time in ms of reps runs after 3 warm-up runs. */
    static double median(Runnable r, int reps) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            t[i] = millis(r);
        }
        return median(t);
    }

    /** MNIST's splits for a benchmark, or null after saying how to fetch them. */
    static Splits mnistOrSay(Path dataDir, String option) throws java.io.IOException {
        Path mnistDir = (dataDir != null ? dataDir : MnistData.defaultDataDir()).resolve(MnistData.MNIST_SUBDIR);
        if (!MnistFiles.problems(mnistDir).isEmpty()) {
            System.out.println(option + " needs MNIST in " + mnistDir + ": run ./sparse-stream fetch mnist");
            return null;
        }
        return MnistData.load(mnistDir);
    }
}
