package dev.sparsestream.app;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFetcher;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.core.data.MnistSplits;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.Trainer;
import dev.sparsestream.core.train.TrainingListener;
import dev.sparsestream.core.train.TrainingResult;
import dev.sparsestream.core.train.TrainingReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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
                "Models: SDL, VDL, WDL, DO, SDL-NL, VDL-NL, WDL-NL, DO-NL with Table 3's MNIST values as presets."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", defaultValue = "mnist", description = "Dataset: mnist (default).")
    String dataset;

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

    @Mixin
    HyperparameterOptions hyper = new HyperparameterOptions();

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (!dataset.equals("mnist")) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "'; available: mnist");
        }
        SparseAutoencoder init = initFrom != null ? ModelStore.load(initFrom) : null;
        ModelConfig base = init != null ? init.config() : Presets.mnist(Family.parse(model != null ? model : "VDL"));
        if (init != null && model != null && Family.parse(model) != base.model()) {
            throw new IllegalArgumentException("--model " + model + " does not match the model in " + initFrom + " (" + base.model() + ")");
        }
        ModelConfig config = hyper.apply(base);
        Path mnistDir = (dataDir != null ? dataDir : MnistData.defaultDataDir()).resolve(MnistData.MNIST_SUBDIR);
        if (!MnistFiles.problems(mnistDir).isEmpty()) {
            System.out.println("MNIST not found in " + mnistDir + "; fetching it first.");
            MnistFetcher.fetch(mnistDir, System.out);
        }
        MnistSplits data = MnistData.load(mnistDir);
        Dataset train = trainSamples != null ? data.train().head(trainSamples) : data.train();
        SparseAutoencoder start = init != null ? init.withConfig(config) : SparseAutoencoder.initialise(config);
        System.out.printf("training %s (lambda %s) on %d %s samples, %d epochs, seed %d -> %s%n", config.model(),
                config.lambda(), train.size(), dataset, config.epochs(), config.seed(), out);

        TrainingResult result = new Trainer(config).train(start, train, data.val(), data.test(), new Progress(!noProgress));
        ModelStore.save(result.best(), out.resolve("model"));
        TrainingReport report = TrainingReport.of(config, result, train.size(), (System.nanoTime() - t0) / 1e9);
        report.write(out.resolve("report.json"));
        System.out.printf("best epoch %d; test PSNR %.2f dB, sparsity %.1f%%; model in %s, report in %s%n",
                result.bestEpoch(), result.test().psnr(), 100 * result.test().sparsity(), out.resolve("model"),
                out.resolve("report.json"));
        return 0;
    }

    /** A progress bar per epoch and one line per epoch. */
    static final class Progress implements TrainingListener {
        private final boolean bar;
        private ProgressBar pb;

        Progress(boolean bar) {
            this.bar = bar;
        }

        @Override
        public void onBatch(int epoch, int batch, int batches, BatchMetrics m) {
            if (!bar) {
                return;
            }
            if (pb == null) {
                pb = new ProgressBarBuilder().setTaskName("epoch " + epoch).setInitialMax(batches)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
            }
            pb.stepTo(batch + 1);
            pb.setExtraMessage(String.format(" E %.1f  PSNR %.2f  steps %.1f", m.energy().total(), m.psnr(), m.fistaSteps()));
        }

        @Override
        public void onEpoch(EpochReport r, boolean isBest) {
            if (pb != null) {
                pb.close();
                pb = null;
            }
            System.out.printf("epoch %3d  %6.1fs  train: energy %.2f psnr %.2f sparsity %.3f steps %.1f | "
                            + "val: energy %.2f psnr %.2f sparsity %.3f | min std %.3f dead %.1f%s%n",
                    r.epoch(), r.seconds(), r.train().energy(), r.train().psnr(), r.train().sparsity(), r.train().fistaSteps(),
                    r.val().energy(), r.val().psnr(), r.val().sparsity(), r.train().minCodeStd(), r.train().deadComponents(),
                    isBest ? "  *best" : "");
        }
    }
}
