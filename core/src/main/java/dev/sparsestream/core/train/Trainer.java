package dev.sparsestream.core.train;

import dev.sparsestream.core.data.BatchOrder;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The sequential trainer: epochs of shuffled minibatches (seeded by the configuration; the last
 * incomplete batch dropped), a validation pass with encoder codes after each epoch, and early
 * stopping that keeps the encoder and decoder of the epoch with the lowest validation energy
 * (docs/method.md). Test figures come from that best model.
 */
public final class Trainer {
    private final ModelConfig config;

    public Trainer(ModelConfig config) {
        this.config = config;
    }

    /**
     * @param start the initial model (fresh or loaded); trained in place, so pass a copy to keep it
     * @param test  the test set, or null
     */
    public TrainingResult train(SparseAutoencoder start, Dataset train, Dataset val, Dataset test,
                                TrainingListener listener) {
        SparseAutoencoder model = start.config().equals(config) ? start : start.withConfig(config);
        int n = config.batchSize();
        if (train.dim() != config.dataDim() || val.dim() != config.dataDim()) {
            throw new IllegalArgumentException("data dimension " + train.dim() + " does not match the model's d = " + config.dataDim());
        }
        BatchOrder order = new BatchOrder(train.size(), n, config.seed());
        TrainingStep step = new TrainingStep(model, n);
        Evaluator evaluator = new Evaluator(model, n);
        FistaParams params = FistaParams.of(config);
        Matrix y = Matrix.zeros(n, config.dataDim());
        float[] scale = train.pixelMaps() != null ? new float[n * config.dataDim()] : null; // (n, d)
        SparseAutoencoder best = model.copy();
        List<EpochReport> reports = new ArrayList<>();
        EarlyStopping stopping = new EarlyStopping(config.patience());
        boolean stoppedEarly = false;
        int batches = order.batchesPerEpoch();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            step.startEpoch(epoch - 1);
            int[] perm = order.permutation(epoch - 1);
            Summary.Accumulator acc = new Summary.Accumulator();
            for (int b = 0; b < batches; b++) {
                train.copyRows(perm, b * n, n, y.data());
                if (scale != null) {
                    train.pixelMaps().copyScaleRows(perm, b * n, n, scale);
                }
                BatchMetrics m = step.apply(y, scale, params);
                if (!m.energy().isFinite()) {
                    throw new NonFiniteEnergyException(epoch, b, m.energy().total());
                }
                acc.add(m);
                listener.onBatch(epoch, b, batches, m);
            }
            Summary valSummary = evaluator.evaluate(val, params);
            EpochReport report = new EpochReport(epoch, (System.nanoTime() - t0) / 1e9,
                    step.decoderOptimizer().learningRate(), acc.summary(), valSummary);
            reports.add(report);
            boolean isBest = stopping.record(epoch, valSummary.energy());
            if (isBest) {
                best.copyFrom(model);
            }
            listener.onEpoch(report, isBest);
            if (stopping.shouldStop(epoch) && epoch < config.epochs()) {
                stoppedEarly = true;
                break;
            }
        }
        Summary testSummary = test == null ? null : new Evaluator(best, n).evaluate(test, params);
        return new TrainingResult(best, List.copyOf(reports), stopping.bestEpoch(), stoppedEarly, testSummary);
    }

    /** Training diverged: the run stops rather than saving NaN weights. */
    public static final class NonFiniteEnergyException extends RuntimeException {
        public NonFiniteEnergyException(int epoch, int batch, double energy) {
            super("the energy became " + energy + " at epoch " + epoch + ", batch " + batch
                    + "; stopping (try a smaller learning rate or step size eta)");
        }
    }
}
