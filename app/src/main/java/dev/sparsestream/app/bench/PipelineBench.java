package dev.sparsestream.app.bench;

import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.Learner;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.RunSettings;
import dev.sparsestream.actors.StreamingTrainer;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.EpochReport;
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
 * writes its end-of-epoch snapshot to a temporary folder as {@code train} does.
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
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < VARIANTS.length; v++) {
                EpochReport e = epoch(VARIANTS[v], c, data);
                seconds[v][r] = e.seconds();
                System.out.printf("round %d  %-26s %7.2f s  train energy %.2f  val energy %.2f  val PSNR %.2f dB%n",
                        r + 1, VARIANTS[v].name(), e.seconds(), e.train().energy(), e.val().energy(), e.val().psnr());
            }
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
        return 0;
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
