package dev.sparsestream.app.train;

import dev.sparsestream.app.web.RunEndpoint;
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
public class TrainCommand implements Callable<Integer>, TrainingJob.Role {
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

    @Mixin
    HyperparameterOptions hyper = new HyperparameterOptions();

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        return new TrainingJob(request(), this).run();
    }

    /** The run these options ask for (a resumed run's options checked). */
    protected TrainingJob.Request request() {
        if (resume != null) {
            refuseOptionsThatChangeTheRun();
        }
        return new TrainingJob.Request(dataset, data, valFraction, testFraction, model, out, dataDir,
                trainSamples, initFrom, resume, !noProgress, workers, maxStaleness, snapshotEvery, hyper, device,
                noDashboard ? null : new RunEndpoint.Address(httpHost, httpPort));
    }

    /** Options a resumed run takes (the rest of its configuration is the snapshot's). */
    private static final java.util.Set<String> RESUME_OPTIONS = java.util.Set.of("--resume", "--epochs",
            "--train-samples", "--data-dir", "--data", "--no-progress", "--workers", "--max-staleness", "--snapshot-every",
            "--http-host", "--http-port", "--no-dashboard", "--device");

    /** Options a resumed run takes. */
    protected java.util.Set<String> resumeOptions() {
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
}
