package dev.sparsestream.app.train;

import dev.sparsestream.app.web.DashboardFeed;
import dev.sparsestream.app.web.DashboardImages;
import dev.sparsestream.app.web.RunEndpoint;
import dev.sparsestream.app.web.RunMetrics;
import com.typesafe.config.Config;
import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.Learner;
import dev.sparsestream.actors.RunCompletion;
import dev.sparsestream.actors.RunData;
import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.actors.MetricsCsv;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.RemoteRoundTrips;
import dev.sparsestream.actors.RunSettings;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One training run, from what it is asked to be to its closed run folder: checks the request, loads
 * the data (or the run to resume and its data), starts the streaming run with its dashboard and control
 * API when asked, waits for its end and closes it ({@link RunCompletion}). {@code train} and
 * {@code cluster seed} run one from their options; {@code sweep} runs one per entry.
 */
public final class TrainingJob {

    /**
     * What a run is asked to be; nulls take the defaults (a new MNIST VDL run with Table 3's values).
     *
     * @param resume   a run folder to continue from its latest snapshot (its configuration; hyper.epochs may raise
     *                 its epochs); the dataset, model and data options must then be null
     * @param endpoint the dashboard and control API; null for none
     */
    public record Request(String dataset, Path data, Double valFraction, Double testFraction, String model, Path out,
                   Path dataDir, Integer trainSamples, Path initFrom, Path resume, boolean progressBar, int workers,
                   int maxStaleness, int snapshotEvery, HyperparameterOptions hyper, DeviceOption device,
                   RunEndpoint.Address endpoint) {

        /** This request as the resumption of the run in {@code dir}: the same data, workers and endpoint. */
        public Request resuming(Path dir) {
            return new Request(null, data, null, null, null, null, dataDir, trainSamples, null, dir, progressBar,
                    workers, maxStaleness, snapshotEvery, new HyperparameterOptions(), device, endpoint);
        }

        /** The run folder this request trains in. */
        public Path runFolder() {
            return resume != null ? resume : out != null ? out : Path.of("runs/latest");
        }
    }

    /** What differs between a single-node run and a cluster's seed. */
    interface Role {
        /** The node's cluster configuration; null for a single-node run. */
        default Config nodeConfig(ModelConfig config) {
            return null;
        }

        /** Called once the run's actor system is up. */
        default void started(StreamingTrainer run, DashboardFeed feed) {
        }

        /** Called when the run has ended, before it is closed. */
        default void ended(RunOutcome outcome) {
        }

        /** How the user starts such a run ("train", "cluster seed"), for the hints printed. */
        default String commandName() {
            return "train";
        }
    }

    public static final Role SINGLE_NODE = new Role() {
    };

    public static final double DEFAULT_HELD_OUT = 0.1;

    private final Request request;
    private final Role role;
    /** The run's actor system, started while the data loads (MNIST only); null: started with the run. */
    private CompletableFuture<StreamingTrainer.Launch> launching;
    /** The run folder's lock, when the caller holds it already (a standby taking over); null: taken here. */
    private RunLock held;

    public TrainingJob(Request request, Role role) {
        this.request = request;
        this.role = role;
    }

    /**
     * Runs in an actor system that is already a member of its cluster, under a run-folder lock already held: a
     * standby seed taking the run over.
     */
    public TrainingJob inCluster(StreamingTrainer.Launch launch, RunLock lock) {
        this.launching = CompletableFuture.completedFuture(launch);
        this.held = lock;
        return this;
    }

    /** @return the exit status: 0 when the run completed or stopped (resumable), 1 when it failed */
    public int run() throws Exception {
        try {
            return setUpAndRun();
        } finally {
            if (launching != null) { // a launch the run never used (it failed first) is shut down
                try {
                    launching.join().close();
                } catch (CompletionException launchFailed) {
                    // nothing was started, and the run has already reported the failure
                }
            }
        }
    }

    /** The run's model, data and configuration, checked before anything starts. */
    private record Prepared(ModelConfig config, SparseAutoencoder start, Snapshot snapshot, TrainingData loaded,
                            Dataset train, Path out, RunData running) {
    }

    private int setUpAndRun() throws Exception {
        long t0 = System.nanoTime();
        Device onDevice = request.device().open(); // a device this build lacks is refused before any data is read
        Prepared p = request.resume() != null ? resumed() : fresh();
        Config node = role.nodeConfig(p.config());
        RunSettings settings = new RunSettings(p.config(), request.workers(), request.maxStaleness(),
                request.snapshotEvery(), p.out(), node != null, onDevice);
        int port = request.endpoint() == null ? 0 : RunEndpoint.port(request.endpoint());
        try (RunLock lock = held != null ? null : RunLock.acquire(p.out())) {
            return train(p, settings, p.start().to(onDevice), node, port, t0);
        }
    }

    private Prepared resumed() throws Exception {
        Path dir = request.resume();
        Snapshot snapshot = SnapshotFiles.readLatest(dir);
        ModelConfig saved = Json.mapper().readValue(snapshot.configJson(), ModelConfig.class);
        ModelConfig config = saved;
        Integer epochs = request.hyper().epochs;
        if (epochs != null) {
            int done = snapshot.monitor().epochs().size();
            if (epochs <= done) {
                throw new IllegalArgumentException("--epochs " + epochs + ": the run in " + dir + " has already trained "
                        + done + " epoch(s); give a larger number to train more");
            }
            ModelConfig.Builder more = saved.toBuilder();
            more.epochs = epochs;
            config = more.build();
        }
        RunFolder folder = new RunFolder(dir);
        RunData previous = RunData.read(folder.runData());
        if (RunData.COMPLETED.equals(previous.status()) && config.epochs() <= saved.epochs()) {
            throw new IllegalArgumentException("the run in " + dir + " is already complete (" + previous.message()
                    + "); train it further with --resume " + dir + " --epochs N (N > " + saved.epochs()
                    + "), or start a new run from its best model with --init-from " + folder.model());
        }
        if (request.trainSamples() != null && !request.trainSamples().equals(previous.trainSamples())) {
            throw new IllegalArgumentException("--train-samples " + request.trainSamples() + " differs from the run's "
                    + previous.trainSamples() + " (" + folder.runData() + ")");
        }
        TrainingData loaded = TrainingData.ofRun(config.dataset(), previous, request.data(), dataDir(), config.seed(),
                config.batchSize());
        Dataset train = previous.trainSamples() != null ? loaded.splits().train().head(previous.trainSamples())
                : loaded.splits().train();
        if (previous.trainRows() != null && previous.trainRows() != train.size()) {
            throw new IllegalArgumentException(loaded.source() + " gives " + train.size() + " training rows, but the run in "
                    + dir + " was trained on " + previous.trainRows() + "; resume it with the same data (--data)");
        }
        return new Prepared(config, SparseAutoencoder.initialise(config), snapshot, loaded, train, dir,
                runData(config, previous.trainSamples(), loaded, train, previous.valFraction(), previous.testFraction()));
    }

    private Prepared fresh() throws Exception {
        Path initFrom = request.initFrom();
        SparseAutoencoder init = initFrom != null ? ModelStore.load(initFrom) : null;
        String dataset = request.dataset();
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
        if (!dataset.equals("vectors") && (request.valFraction() != null || request.testFraction() != null)) {
            throw new IllegalArgumentException("--val-fraction and --test-fraction are for --dataset vectors; "
                    + dataset + " comes with its own splits");
        }
        String model = request.model();
        Family family = model != null ? Family.parse(model) : init != null ? init.config().model() : Family.VDL;
        if (init != null && family != init.config().model()) {
            throw new IllegalArgumentException("--model " + model + " does not match the model in " + initFrom + " ("
                    + init.config().model() + ")");
        }
        HyperparameterOptions hyper = request.hyper();
        ModelConfig base = init != null ? init.config() : switch (dataset) {
            case "patches" -> hyper.lambda != null ? Presets.patches(family, hyper.lambda) : Presets.patches(family);
            case "vectors" -> Presets.vectors(family, 1, new Normalisation(0, 1)); // d and the pixel space: the data's
            default -> Presets.mnist(family);
        };
        ModelConfig config = hyper.apply(base); // the options are checked before any data is read
        if (dataset.equals("mnist") && launching == null) {
            // MNIST's shapes are known before it is read: the run's actor system starts while it loads.
            Config node = role.nodeConfig(config);
            launching = CompletableFuture.supplyAsync(() -> StreamingTrainer.launch(node));
        }
        double valFraction = request.valFraction() != null ? request.valFraction() : DEFAULT_HELD_OUT;
        double testFraction = request.testFraction() != null ? request.testFraction() : DEFAULT_HELD_OUT;
        TrainingData loaded = TrainingData.load(dataset, request.data(), dataDir(), valFraction, testFraction,
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
        Integer samples = request.trainSamples();
        Dataset train = samples != null ? loaded.splits().train().head(samples) : loaded.splits().train();
        SparseAutoencoder start = init != null ? init.withConfig(config) : SparseAutoencoder.initialise(config);
        Path out = request.runFolder();
        return new Prepared(config, start, null, loaded, train, out,
                runData(config, samples, loaded, train, request.valFraction(), request.testFraction()));
    }

    private Path dataDir() {
        return request.dataDir() != null ? request.dataDir() : MnistData.defaultDataDir();
    }

    private static RunData runData(ModelConfig config, Integer samples, TrainingData loaded, Dataset train,
                                   Double valFraction, Double testFraction) {
        return new RunData(config.dataset(), samples, RunData.RUNNING, null,
                config.dataset().equals("mnist") ? null : loaded.source().toString(), valFraction, testFraction,
                train.size());
    }

    private int train(Prepared p, RunSettings settings, SparseAutoencoder start, Config node, int port, long t0)
            throws Exception {
        ModelConfig config = p.config();
        RunData.write(new RunFolder(p.out()).runData(), p.running());
        System.out.printf("%s %s (lambda %s) on %d %s samples, %d epochs, seed %d, %d worker(s), K = %d -> %s%n",
                p.snapshot() != null ? "resuming at batch " + p.snapshot().nextSeq() + ":" : "training", config.model(),
                p.snapshot() != null ? p.snapshot().lambda() : config.lambda(), p.train().size(), config.dataset(),
                config.epochs(), config.seed(), request.workers(), request.maxStaleness(), p.out());
        // On Ctrl-C Pekko's shutdown hook stops the learner (last snapshot); this one keeps the JVM up
        // until this thread has closed the run, so an interrupted run is left complete.
        CountDownLatch closed = new CountDownLatch(1);
        Thread waitForClose = new Thread(() -> {
            try {
                closed.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "wait-for-report");
        Runtime.getRuntime().addShutdownHook(waitForClose);
        try {
            TrainingProgress progress = new TrainingProgress(request.progressBar(), config.eta());
            DashboardFeed feed = new DashboardFeed(config, new DashboardFeed.RunInfo(p.out().toString(), config.dataset(),
                    p.train().size(), request.workers(), request.maxStaleness()));
            if (p.snapshot() != null) {
                feed.restore(p.snapshot().monitor(), p.snapshot().lambdaHistory(), p.train().size() / config.batchSize());
            }
            RunOutcome outcome = runToTheEnd(p, settings, start, node, port, progress, feed);
            progress.close();
            RunCompletion.Closed c = RunCompletion.close(outcome, config, settings.device(), p.loaded().splits().test(),
                    new RunFolder(p.out()), p.running(), p.train().size(), (System.nanoTime() - t0) / 1e9);
            return report(c, p.out());
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(waitForClose);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook has already been started and now returns
            }
        }
    }

    private RunOutcome runToTheEnd(Prepared p, RunSettings settings, SparseAutoencoder start, Config node, int port,
                                   TrainingProgress progress, DashboardFeed feed) throws Exception {
        boolean dashboard = request.endpoint() != null;
        // The run's metrics as CSV in its folder, as it goes (a resumed run's files start from its snapshot).
        MetricsCsv csv = MetricsCsv.open(new RunFolder(p.out()), p.snapshot() == null ? null : p.snapshot().monitor());
        RunMetrics metrics = new RunMetrics(feed, p.config().batchSize()); // GET /metrics, with the dashboard
        TrainingRun.Parts parts = new TrainingRun.Parts(settings, start, p.train(), p.loaded().splits().val(),
                p.snapshot(), dashboard ? RunListener.all(progress, feed, csv, metrics) : RunListener.all(progress, csv),
                Learner.UpdateListener.NONE, InferenceWorker.BeforeInference.NONE,
                Json.mapper().writeValueAsString(p.running())); // worker nodes read the same data: rows, not pixels
        try (csv; StreamingTrainer run = launching != null ? launched().run(parts) : StreamingTrainer.start(parts, node);
             RunEndpoint endpoint = dashboard ? RunEndpoint.start(run, feed,
                     new DashboardImages(p.config(), p.loaded().splits().val()), metrics, p.out(),
                     request.endpoint().host(), port) : null) {
            role.started(run, feed);
            RunOutcome outcome = run.await();
            role.ended(outcome);
            var trips = RemoteRoundTrips.summary();
            if (trips.batches() > 0) { // the cluster's hop time, for its scaling model (docs/cluster.md)
                System.out.printf("remote batches: %d; median round trip %.2f ms, of which the worker's own %.2f ms "
                        + "(%.2f ms in the messages' way there and back)%n", trips.batches(), trips.roundTripMillis(),
                        trips.inferenceMillis(), trips.hopsMillis());
            }
            if (endpoint != null) {
                feed.ended(outcome);
                endpoint.dashboard().awaitClientsTold(Duration.ofSeconds(2));
            }
            return outcome;
        }
    }

    private StreamingTrainer.Launch launched() {
        try {
            return launching.join(); // closing it afterwards is a no-op: the run owns its actor system
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private int report(RunCompletion.Closed c, Path out) {
        RunFolder folder = new RunFolder(out);
        String resume = "resume with: sparse-stream " + role.commandName() + " --resume " + out;
        switch (c.kind()) {
            case FAILED -> {
                System.err.println("sparse-stream: " + c.message());
                return 1;
            }
            case NOTHING_VALIDATED -> {
                System.out.printf("%s after %d batches, before the first epoch ended: no model or report yet; %s%n",
                        c.message(), c.batches(), resume);
                return 0;
            }
            case STOPPED -> System.out.printf("%s after %d batches; %s%n", c.message(), c.batches(), resume);
            case COMPLETED -> { }
        }
        System.out.printf("best epoch %d; test PSNR %.2f dB, sparsity %.1f%%; model in %s, report in %s%n",
                c.result().bestEpoch(), c.result().test().psnr(), 100 * c.result().test().sparsity(), folder.model(),
                folder.report());
        return 0;
    }
}
