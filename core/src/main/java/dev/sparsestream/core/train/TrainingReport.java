package dev.sparsestream.core.train;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.io.AtomicFiles;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.ModelStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * report.json of a training run: the configuration (provenance), per-epoch train and validation
 * figures, the best epoch and the best model's test figures. Sparsity is a fraction in [0, 1];
 * PSNR in dB; energy is the per-batch mean (with its weighted terms). {@code lambda} is the
 * configured value; {@code lambdaChanges} lists the values set while the run was going, each with
 * the 0-based batch (counted from the start of training) from which it applied.
 */
public record TrainingReport(String version, String model, double lambda, String dataset, int trainSamples,
                             ModelConfig config, List<Epoch> epochs, int bestEpoch, boolean stoppedEarly,
                             Figures test, double totalSeconds, List<LambdaChange> lambdaChanges) {
    public TrainingReport {
        lambdaChanges = lambdaChanges == null ? List.of() : List.copyOf(lambdaChanges);
    }

    /** One epoch: 1-based number, seconds, decoder learning rate, train (FISTA codes) and val (encoder codes). */
    public record Epoch(int epoch, double seconds, double lrDecoder, Figures train, Figures val) {
    }

    public record Figures(double energy, Energy energyTerms, double psnr, double sparsity, double fistaSteps,
                          double minCodeStd, double meanCodeStd, double deadComponents) {
        public static Figures of(Summary s) {
            return s == null ? null : new Figures(s.energy(), s.energyTerms(), s.psnr(), s.sparsity(), s.fistaSteps(),
                    s.minCodeStd(), s.meanCodeStd(), s.deadComponents());
        }
    }

    public static TrainingReport of(ModelConfig config, TrainingResult r, int trainSamples, double totalSeconds) {
        return of(config, r, trainSamples, totalSeconds, List.of());
    }

    public static TrainingReport of(ModelConfig config, TrainingResult r, int trainSamples, double totalSeconds,
                                    List<LambdaChange> lambdaChanges) {
        List<Epoch> epochs = r.epochs().stream()
                .map(e -> new Epoch(e.epoch(), e.seconds(), e.lrDecoder(), Figures.of(e.train()), Figures.of(e.val())))
                .toList();
        return new TrainingReport(ModelStore.PROJECT_VERSION, config.model().label(), config.lambda(), config.dataset(),
                trainSamples, config, epochs, r.bestEpoch(), r.stoppedEarly(), Figures.of(r.test()), totalSeconds,
                lambdaChanges);
    }

    public void write(Path file) throws IOException {
        AtomicFiles.write(file, Json.mapper().writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(this));
    }

    public static TrainingReport read(Path file) throws IOException {
        return Json.mapper().readValue(file.toFile(), TrainingReport.class);
    }
}
