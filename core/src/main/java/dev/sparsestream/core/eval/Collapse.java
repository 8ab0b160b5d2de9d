package dev.sparsestream.core.eval;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.Trainer;
import dev.sparsestream.core.train.TrainingListener;
import dev.sparsestream.core.train.TrainingResult;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's ablation (Sec. 4.4): without the variance hinge and without any bound on the decoder, the
 * decoder's columns grow and the codes' L1 norms collapse towards 0, since D' = cD, z' = z / c reconstructs
 * equally well at a lower L1 penalty. Trains a configuration with the sequential trainer and records, after
 * every batch, the mean L1 norm of the FISTA codes and the mean L2 norm of the decoder columns that a code
 * component scales (W for a linear decoder, W1 for a non-linear one).
 */
public final class Collapse {
    private Collapse() {
    }

    /** The no-regularisation ablation of a configuration: the same, with beta = 0 (no hinge). */
    public static ModelConfig withoutVarianceRegularisation(ModelConfig c) {
        ModelConfig.Builder b = c.toBuilder();
        b.beta = 0;
        return b.build();
    }

    /**
     * Per training batch: position in epochs (epoch - 1 + (batch + 1) / batches), the mean over samples of
     * ||z_i||_1 of the FISTA codes, and the mean column norm of W (or W1).
     */
    public record Trace(String label, ModelConfig config, double[] epochs, double[] codeL1, double[] columnNorm,
                        List<EpochReport> reports) {
    }

    /**
     * @param device where to train
     * @param extra  also told of every batch and epoch (progress), or {@link TrainingListener#NONE}
     */
    public static Trace trace(String label, ModelConfig c, Device device, Dataset train, Dataset val,
                              TrainingListener extra) {
        if (!(c.lambda() > 0)) {
            throw new IllegalArgumentException("the collapse is driven by the L1 penalty: lambda must be > 0, got " + c.lambda());
        }
        SparseAutoencoder model = SparseAutoencoder.initialise(c).to(device);
        Matrix columns = model.decoder().parameters().get(0); // W (d, l) or W1 (m, l): one column per component
        List<double[]> rows = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int batches, BatchMetrics m) {
                // the energy's sparsity term is lambda * sum_i ||z_i||_1 over the batch
                double l1 = m.energy().sparsity() / (c.lambda() * c.batchSize());
                rows.add(new double[] {epoch - 1 + (batch + 1) / (double) batches, l1, meanColumnNorm(columns)});
                extra.onBatch(epoch, batch, batches, m);
            }

            @Override
            public void onEpoch(EpochReport report, boolean isBest) {
                extra.onEpoch(report, isBest);
            }
        };
        TrainingResult r = new Trainer(c).train(model, train, val, null, listener);
        double[] x = new double[rows.size()];
        double[] l1 = new double[rows.size()];
        double[] norm = new double[rows.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = rows.get(i)[0];
            l1[i] = rows.get(i)[1];
            norm[i] = rows.get(i)[2];
        }
        return new Trace(label, c, x, l1, norm, r.epochs());
    }

    /** Mean over columns of their L2 norms. */
    static double meanColumnNorm(Matrix m) {
        FloatBuffer d = m.data();
        double[] sq = new double[m.cols()];
        for (int i = 0, o = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++, o++) {
                float v = d.get(o);
                sq[j] += (double) v * v;
            }
        }
        double total = 0;
        for (double s : sq) {
            total += Math.sqrt(s);
        }
        return total / sq.length;
    }
}
