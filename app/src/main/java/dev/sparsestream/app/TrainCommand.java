package dev.sparsestream.app;

import com.typesafe.config.Config;
import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.Learner;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.RunSettings;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.Evaluator;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.StepSizeWatch;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.core.train.TrainingReport;
import dev.sparsestream.core.train.TrainingResult;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.MonitorState;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train one of the paper's eight models and write its best model and a report.",
                "Writes OUT/model (the epoch with the lowest validation energy; a folder of model.json and .npy files)",
                "and OUT/report.json (configuration, per-epoch train and validation figures, best epoch, test figures).",
                "While it runs, a live dashboard and control API listen on http://127.0.0.1:8080 (the address with the",
                "run's token is printed at start; see --http-host, --http-port, --no-dashboard).",
                "Models: SDL, VDL, WDL, DO, SDL-NL, VDL-NL, WDL-NL, DO-NL, with Table 3's values for the dataset as presets.",
                "Datasets:",
                "  mnist    MNIST (fetched into DATA_DIR/mnist when missing); presets l = 128, m = 1024, 200 epochs.",
                "  patches  natural-image patches from a patch file (--data FILE, made by 'sparse-stream patches build';",
                "           default: the demo file of 'sparse-stream fetch photos', built when missing); presets",
                "           l = 256, m = 2048, 100 epochs; PSNR after undoing LCN and the grey normalisation.",
                "  vectors  any float32/float64 .npy array of shape (n, d), or a folder of them with the same d",
                "           (--data PATH), split at random (--seed) by --val-fraction and --test-fraction; MNIST's",
                "           presets with l = 128; PSNR uses the training split's range (max - min) as the peak."})
class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", description = "Dataset: mnist (default), patches or vectors (or the --init-from model's).")
    String dataset;

    @Option(names = "--data", paramLabel = "PATH",
            description = "patches: the patch file (default DATA_DIR/patches/mate-nature.patches); vectors: a .npy file or folder.")
    Path data;

    @Option(names = "--val-fraction", paramLabel = "F",
            description = "vectors: fraction of the rows held out for validation (default 0.1).")
    Double valFraction;

    @Option(names = "--test-fraction", paramLabel = "F",
            description = "vectors: fraction of the rows held out for test (default 0.1).")
    Double testFraction;

    @Option(names = "--model", description = "Model family (default VDL, or the --init-from model's).")
    String model;

    @Option(names = "--out", defaultValue = "runs/latest", paramLabel = "DIR", description = "Run folder (default runs/latest).")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data folder (default $SPARSE_STREAM_DATA or ./data); MNIST is fetched into DIR/mnist if missing.")
    Path dataDir;

    @Option(names = "--train-samples", paramLabel = "N", description = "Train on the first N samples of the training split.")
    Integer trainSamples;

    @Option(names = "--init-from", paramLabel = "DIR",
            description = "Start from a saved model folder; its configuration is the base that options override.")
    Path initFrom;

    @Option(names = "--no-progress", description = "No progress bar (epoch lines only).")
    boolean noProgress;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N",
            description = "Inference workers running FISTA in parallel (default 1).")
    int workers;

    @Option(names = "--max-staleness", defaultValue = "0", paramLabel = "K",
            description = {"Apply codes whose weights are at most K versions behind the learner's (default 0: every",
                    "batch is inferred with the latest weights, exactly the sequential trainer; K > 0 lets workers",
                    "overlap, at most min(N, K + 1) batches in flight)."})
    int maxStaleness;

    @Option(names = "--snapshot-every", defaultValue = "0", paramLabel = "B",
            description = "Also snapshot every B batches (default 0: at epoch ends, on request and on Ctrl-C only).")
    int snapshotEvery;

    @Option(names = "--resume", paramLabel = "DIR",
            description = {"Continue the run in DIR from its latest snapshot, with its configuration; --epochs N trains",
                    "it to N epochs in all. The workers, staleness, snapshot and endpoint options may differ."})
    Path resume;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--http-host", defaultValue = "127.0.0.1",
            description = {"Interface of the dashboard and control API (default 127.0.0.1, this machine only; the",
                    "controls need the run's token wherever it listens)."})
    String httpHost;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Dashboard and control API port (default 8080, or any free port if 8080 is taken; 0: any free port).")
    Integer httpPort;

    @Option(names = "--no-dashboard",
            description = "No HTTP server: no dashboard and no control API ('control' cannot reach the run; Ctrl-C still stops it).")
    boolean noDashboard;

    static final int DEFAULT_HTTP_PORT = 8080;

    @Mixin
    HyperparameterOptions hyper = new HyperparameterOptions();

    @Mixin
    DeviceOption device = new DeviceOption();

    static final double DEFAULT_HELD_OUT = 0.1;

    /** The run's actor system, started while the data loads (MNIST only); null: started with the run. */
    private java.util.concurrent.CompletableFuture<StreamingTrainer.Launch> launching;

    @Override
    public Integer call() throws Exception {
        try {
            return trainOrResume();
        } finally {
            if (launching != null) { // a launch the run never used (it failed first) is shut down
                try {
                    launching.join().close();
                } catch (java.util.concurrent.CompletionException launchFailed) {
                    // nothing was started, and the run has already reported the failure
                }
            }
        }
    }

    private Integer trainOrResume() throws Exception {
        long t0 = System.nanoTime();
        Device onDevice = device.open(); // a device this build lacks is refused before any data is read
        Path root = dataDir != null ? dataDir : MnistData.defaultDataDir();
        Snapshot snapshot = null;
        ModelConfig config;
        SparseAutoencoder start;
        TrainingData loaded;
        RunData previous = null;
        if (resume != null) {
            refuseOptionsThatChangeTheRun();
            snapshot = SnapshotFiles.readLatest(resume);
            ModelConfig saved = Json.mapper().readValue(snapshot.configJson(), ModelConfig.class);
            config = saved;
            if (hyper.epochs != null) {
                int done = snapshot.monitor().epochs().size();
                if (hyper.epochs <= done) {
                    throw new IllegalArgumentException("--epochs " + hyper.epochs + ": the run in " + resume
                            + " has already trained " + done + " epoch(s); give a larger number to train more");
                }
                ModelConfig.Builder more = saved.toBuilder();
                more.epochs = hyper.epochs;
                config = more.build();
            }
            out = resume;
            start = SparseAutoencoder.initialise(config);
            previous = RunData.read(new RunFolder(resume).runData());
            if (RunData.COMPLETED.equals(previous.status()) && config.epochs() <= saved.epochs()) {
                throw new IllegalArgumentException("the run in " + resume + " is already complete (" + previous.message()
                        + "); train it further with --resume " + resume + " --epochs N (N > " + saved.epochs()
                        + "), or start a new run from its best model with --init-from " + new RunFolder(resume).model());
            }
            if (trainSamples != null && !trainSamples.equals(previous.trainSamples())) {
                throw new IllegalArgumentException("--train-samples " + trainSamples + " differs from the run's "
                        + previous.trainSamples() + " (" + new RunFolder(resume).runData() + ")");
            }
            trainSamples = previous.trainSamples();
            dataset = config.dataset();
            loaded = TrainingData.ofRun(dataset, previous, data, root, config.seed(), config.batchSize());
            valFraction = previous.valFraction();
            testFraction = previous.testFraction();
        } else {
            SparseAutoencoder init = initFrom != null ? ModelStore.load(initFrom) : null;
            if (dataset == null) {
                dataset = init != null ? init.config().dataset() : "mnist";
            } else if (init != null && !dataset.equals(init.config().dataset())) {
                throw new IllegalArgumentException("--dataset " + dataset + " differs from the dataset the model in "
                        + initFrom + " was trained on (" + init.config().dataset() + ")");
            }
            if (!TrainingData.DATASETS.contains(dataset)) {
                throw new IllegalArgumentException("unknown dataset '" + dataset + "'; available: "
                        + String.join(", ", TrainingData.DATASETS));
            }
            if (!dataset.equals("vectors") && (valFraction != null || testFraction != null)) {
                throw new IllegalArgumentException("--val-fraction and --test-fraction are for --dataset vectors; "
                        + dataset + " comes with its own splits");
            }
            Family family = model != null ? Family.parse(model) : init != null ? init.config().model() : Family.VDL;
            if (init != null && family != init.config().model()) {
                throw new IllegalArgumentException("--model " + model + " does not match the model in " + initFrom + " ("
                        + init.config().model() + ")");
            }
            ModelConfig base;
            if (init != null) {
                base = init.config();
            } else {
                base = switch (dataset) {
                    case "patches" -> hyper.lambda != null ? Presets.patches(family, hyper.lambda) : Presets.patches(family);
                    // d and the pixel space come from the data, read below
                    case "vectors" -> Presets.vectors(family, 1, new Normalisation(0, 1));
                    default -> Presets.mnist(family);
                };
            }
            config = hyper.apply(base); // the options are checked before any data is read
            if (dataset.equals("mnist")) {
                // MNIST's shapes are known before it is read: the run's actor system starts while it loads.
                Config node = nodeConfig(config);
                launching = java.util.concurrent.CompletableFuture.supplyAsync(() -> StreamingTrainer.launch(node));
            }
            loaded = TrainingData.load(dataset, data, root, orDefault(valFraction), orDefault(testFraction),
                    config.seed(), config.batchSize());
            if (loaded.pixelSpace() != null) {
                ModelConfig.Builder b = config.toBuilder();
                b.normalisation = loaded.pixelSpace(); // this data's PSNR peak, also for a model trained on other data
                if (init == null) {
                    b.dataDim = loaded.splits().train().dim();
                }
                config = b.build();
            }
            if (loaded.splits().train().dim() != config.dataDim()) {
                throw new IllegalArgumentException(loaded.source() + " has rows of " + loaded.splits().train().dim()
                        + " values but the model " + (init != null ? "in " + initFrom + " " : "") + "expects d = "
                        + config.dataDim());
            }
            start = init != null ? init.withConfig(config) : SparseAutoencoder.initialise(config);
        }
        Dataset train = trainSamples != null ? loaded.splits().train().head(trainSamples) : loaded.splits().train();
        if (previous != null && previous.trainRows() != null && previous.trainRows() != train.size()) {
            throw new IllegalArgumentException(loaded.source() + " gives " + train.size() + " training rows, but the run in "
                    + resume + " was trained on " + previous.trainRows() + "; resume it with the same data (--data)");
        }
        Config node = nodeConfig(config);
        start = start.to(onDevice);
        RunSettings settings = new RunSettings(config, workers, maxStaleness, snapshotEvery, out, node != null, onDevice);
        int port = noDashboard ? 0 : controlPort();
        try (RunLock lock = RunLock.acquire(out)) {
            return train(config, settings, node, start, snapshot, loaded, train, port, t0);
        }
    }

    private StreamingTrainer.Launch launched() {
        try {
            return launching.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** The node's cluster configuration when this run is a cluster's seed; null for a single-node run. */
    Config nodeConfig(ModelConfig config) {
        return null;
    }

    /** Called once the run's actor system is up (a seed follows its cluster's members from here). */
    void started(StreamingTrainer run, DashboardFeed feed) {
    }

    /** How the user started this run ("train", "cluster seed"), for the hints printed. */
    String commandName() {
        return "train";
    }

    /** Called when the run has ended, before the report is written. */
    void ended(RunOutcome outcome) {
    }

    private static double orDefault(Double fraction) {
        return fraction != null ? fraction : DEFAULT_HELD_OUT;
    }

    private RunData runData(ModelConfig config, Dataset train, TrainingData loaded, String status, String message) {
        return new RunData(config.dataset(), trainSamples, status, message,
                config.dataset().equals("mnist") ? null : loaded.source().toString(), valFraction, testFraction,
                train.size());
    }

    private int train(ModelConfig config, RunSettings settings, Config node, SparseAutoencoder start,
                      Snapshot snapshot, TrainingData loaded, Dataset train, int port, long t0) throws Exception {
        RunData.write(new RunFolder(out).runData(), runData(config, train, loaded, RunData.RUNNING, null));
        Splits data = loaded.splits();
        System.out.printf("%s %s (lambda %s) on %d %s samples, %d epochs, seed %d, %d worker(s), K = %d -> %s%n",
                snapshot != null ? "resuming at batch " + snapshot.nextSeq() + ":" : "training", config.model(),
                snapshot != null ? snapshot.lambda() : config.lambda(), train.size(), config.dataset(), config.epochs(),
                config.seed(), workers, maxStaleness, out);

        Progress progress = new Progress(!noProgress, config.eta());
        // On Ctrl-C Pekko's shutdown hook stops the learner (last snapshot); this one keeps the JVM up
        // until this thread has written the report and model, so an interrupted run is left complete.
        CountDownLatch reported = new CountDownLatch(1);
        Thread waitForReport = new Thread(() -> {
            try {
                reported.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "wait-for-report");
        Runtime.getRuntime().addShutdownHook(waitForReport);
        try {
            DashboardFeed feed = new DashboardFeed(config, new DashboardFeed.RunInfo(out.toString(), config.dataset(),
                    train.size(), workers, maxStaleness));
            if (snapshot != null) {
                feed.restore(snapshot.monitor(), snapshot.lambdaHistory(), train.size() / config.batchSize());
            }
            return runAndReport(config, settings, node, start, train, loaded, snapshot, progress, feed, port, t0);
        } finally {
            reported.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(waitForReport);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook has already been started and now returns
            }
        }
    }

    private int runAndReport(ModelConfig config, RunSettings settings, Config node, SparseAutoencoder start,
                             Dataset train, TrainingData loaded, Snapshot snapshot, Progress progress,
                             DashboardFeed feed, int port, long t0) throws Exception {
        RunOutcome outcome;
        Splits data = loaded.splits();
        RunListener listeners = noDashboard ? progress : RunListener.all(progress, feed);
        TrainingRun.Parts parts = new TrainingRun.Parts(settings, start, train, data.val(), snapshot, listeners,
                Learner.UpdateListener.NONE, InferenceWorker.BeforeInference.NONE);
        try (StreamingTrainer run = launching != null ? launched().run(parts) : StreamingTrainer.start(parts, node)) {
            Dashboard dashboard = null;
            ControlServer server = null;
            try {
                if (!noDashboard) {
                    dashboard = Dashboard.start(run.system(), run.learner(), feed, new DashboardImages(config, data.val()));
                    server = ControlServer.start(run.system(), run.learner(), out, httpHost, port,
                            ControlServer.DEFAULT_ASK_TIMEOUT, dashboard.route());
                    System.out.println(server.describe());
                }
                started(run, feed);
                outcome = run.await();
                ended(outcome);
                if (dashboard != null) {
                    feed.ended(outcome);
                    dashboard.awaitClientsTold(Duration.ofSeconds(2));
                }
            } finally {
                if (server != null) {
                    server.close();
                }
                if (dashboard != null) {
                    dashboard.close();
                }
            }
        }
        progress.close();
        if (outcome.status() == RunOutcome.Status.FAILED) {
            RunData.write(new RunFolder(out).runData(), runData(config, train, loaded, RunData.FAILED, outcome.message()));
            System.err.println("sparse-stream: " + outcome.message());
            return 1;
        }
        MonitorState m = outcome.monitor();
        if (m.epochs().isEmpty()) {
            // Nothing validated yet: no best model to save or test (the snapshot holds the weights so far).
            RunData.write(new RunFolder(out).runData(), runData(config, train, loaded, RunData.STOPPED, outcome.message()));
            System.out.printf("%s after %d batches, before the first epoch ended: no model or report yet; "
                    + "resume with: sparse-stream %s --resume %s%n", outcome.message(), m.batches().size(), commandName(), out);
            return 0;
        }
        SparseAutoencoder best = SparseAutoencoder.initialise(config).to(settings.device());
        best.importWeights(m.bestWeights());
        Summary test = new Evaluator(best, config.batchSize()).evaluate(data.test(), FistaParams.of(config));
        boolean early = outcome.status() == RunOutcome.Status.COMPLETED && m.epochs().size() < config.epochs();
        TrainingResult result = new TrainingResult(best, m.epochs(), m.bestEpoch(), early, test);
        ModelStore.save(result.best(), new RunFolder(out).model());
        TrainingReport report = TrainingReport.of(config, result, train.size(), (System.nanoTime() - t0) / 1e9,
                lambdaChanges(config.lambda(), m.batches()));
        report.write(new RunFolder(out).report());
        RunData.write(new RunFolder(out).runData(), runData(config, train, loaded,
                outcome.status() == RunOutcome.Status.COMPLETED ? RunData.COMPLETED : RunData.STOPPED, outcome.message()));
        if (outcome.status() == RunOutcome.Status.STOPPED) {
            System.out.printf("%s after %d batches; resume with: sparse-stream %s --resume %s%n", outcome.message(),
                    m.batches().size(), commandName(), out);
        }
        System.out.printf("best epoch %d; test PSNR %.2f dB, sparsity %.1f%%; model in %s, report in %s%n",
                result.bestEpoch(), result.test().psnr(), 100 * result.test().sparsity(), new RunFolder(out).model(),
                new RunFolder(out).report());
        return 0;
    }

    /** Options a resumed run takes (the rest of its configuration is the snapshot's). */
    private static final java.util.Set<String> RESUME_OPTIONS = java.util.Set.of("--resume", "--epochs",
            "--train-samples", "--data-dir", "--data", "--no-progress", "--workers", "--max-staleness", "--snapshot-every",
            "--http-host", "--http-port", "--no-dashboard", "--device");

    /** Options a resumed run takes. */
    java.util.Set<String> resumeOptions() {
        return RESUME_OPTIONS;
    }

    private void refuseOptionsThatChangeTheRun() {
        java.util.Set<String> allowed = resumeOptions();
        List<String> refused = spec.commandLine().getParseResult().matchedOptions().stream()
                .map(o -> o.longestName()).filter(name -> !allowed.contains(name)).distinct().toList();
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", refused) + " cannot be given with --resume: a resumed "
                    + "run continues with its own configuration (change lambda of a running job with "
                    + "'sparse-stream control lambda'); allowed with --resume: " + String.join(" ", allowed.stream()
                    .sorted().toList()));
        }
    }

    /**
     * Checked before the run starts, so that a taken port is an error before any training, not after:
     * an explicit port must be free; the default 8080 gives way to any free port.
     */
    private int controlPort() {
        int wanted = httpPort != null ? httpPort : DEFAULT_HTTP_PORT;
        if (wanted < 0 || wanted > 65535) {
            throw new IllegalArgumentException("--http-port must be 0..65535, got " + wanted);
        }
        if (wanted == 0) {
            return 0;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(httpHost), wanted));
            return wanted;
        } catch (IOException e) {
            if (httpPort != null) {
                throw new IllegalArgumentException("cannot listen on " + httpHost + ":" + wanted + " (" + e.getMessage()
                        + "); choose another --http-port, or 0 for any free port");
            }
            System.out.println("port " + wanted + " is taken; the control endpoint uses a free port instead");
            return 0;
        }
    }

    /** Where the batches' lambda differs from the one before (the first batch's from the configured value). */
    static List<LambdaChange> lambdaChanges(double configured, List<BatchRecord> batches) {
        List<LambdaChange> changes = new ArrayList<>();
        double previous = configured;
        for (BatchRecord r : batches) {
            if (Double.compare(r.lambda(), previous) != 0) {
                changes.add(new LambdaChange(r.seq(), r.lambda()));
                previous = r.lambda();
            }
        }
        return changes;
    }

    /** A progress bar per epoch and one line per epoch (called on the monitor's thread). */
    static final class Progress implements RunListener {
        private final boolean bar;
        private ProgressBar pb;
        private boolean warnedAllZero;
        private final double eta;
        private final StepSizeWatch steps = new StepSizeWatch();

        Progress(boolean bar, double eta) {
            this.bar = bar;
            this.eta = eta;
        }

        @Override
        public void onBatch(BatchRecord r, int batches) {
            if (!bar) {
                return;
            }
            if (pb == null) {
                pb = new ProgressBarBuilder().setTaskName("epoch " + r.epoch()).setInitialMax(batches)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
            }
            BatchMetrics m = r.metrics();
            pb.stepTo(r.index() + 1);
            pb.setExtraMessage(String.format(" E %.1f  PSNR %.2f  steps %.1f", m.energy().total(), m.psnr(), m.fistaSteps()));
        }

        @Override
        public void onLambda(LambdaChange change) {
            System.err.printf("%nlambda %s from batch %d%n", change.lambda(), change.fromBatch());
        }

        @Override
        public void onEpoch(EpochReport r, boolean isBest) {
            close();
            System.out.printf("epoch %3d  %6.1fs  train: energy %.2f psnr %.2f sparsity %.3f steps %.1f | "
                            + "val: energy %.2f psnr %.2f sparsity %.3f | min std %.3f dead %.1f%s%n",
                    r.epoch(), r.seconds(), r.train().energy(), r.train().psnr(), r.train().sparsity(), r.train().fistaSteps(),
                    r.val().energy(), r.val().psnr(), r.val().sparsity(), r.train().minCodeStd(), r.train().deadComponents(),
                    isBest ? "  *best" : "");
            String tooLong = steps.observe(r.epoch(), r.train().fistaSteps(), eta);
            if (tooLong != null) {
                System.out.println(tooLong);
            }
            if (r.train().sparsity() == 1.0 && !warnedAllZero) {
                // with every code at 0 the decoder's output is constant and its gradient through the codes is 0
                // (for a non-linear decoder with b1 <= 0, relu'(0) = 0 stops everything): nothing will move
                warnedAllZero = true;
                System.out.printf("warning: every code of epoch %d was zero (sparsity 1.000, %.1f FISTA steps): the"
                        + " shrinkage outweighs the reconstruction's pull, so the model cannot learn from here; give a"
                        + " smaller --lambda%n", r.epoch(), r.train().fistaSteps());
            }
        }

        void close() {
            if (pb != null) {
                pb.close();
                pb = null;
            }
        }
    }

    /**
     * What data the run trains on, kept in the run folder so that --resume streams the same batches, and
     * how the run last ended (running while it runs; stopped, completed or failed with the message).
     *
     * @param data         the patch file or vectors path (null for MNIST)
     * @param valFraction  vectors: the held-out fractions (null: the defaults)
     * @param trainRows    training samples per epoch (checked on resume; null in files of older runs)
     */
    record RunData(String dataset, Integer trainSamples, String status, String message, String data,
                   Double valFraction, Double testFraction, Integer trainRows) {
        static final String RUNNING = "running";
        static final String STOPPED = "stopped";
        static final String COMPLETED = "completed";
        static final String FAILED = "failed";

        static void write(Path file, RunData d) throws java.io.IOException {
            java.nio.file.Files.createDirectories(file.getParent());
            dev.sparsestream.core.io.AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(d));
        }

        static RunData read(Path file) throws java.io.IOException {
            if (!java.nio.file.Files.exists(file)) {
                throw new java.nio.file.NoSuchFileException(file + " (written by train when the run started)");
            }
            return Json.mapper().readValue(file.toFile(), RunData.class);
        }
    }
}
