package dev.sparsestream.core.eval;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.metrics.Psnr;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Evaluator;
import dev.sparsestream.core.train.Summary;
import java.util.Random;

/**
 * Denoising (docs/method.md, "Metrics"; the paper's Table 1): y_sigma = y + sigma N(0, 1) in the normalised
 * space, codes from the encoder applied to y_sigma (FISTA from zero for the decoder-only families), and the
 * PSNR of their reconstruction against the clean y. PSNR is in pixel space with the clean data's maps.
 */
public final class Denoising {
    private Denoising() {
    }

    /**
     * One row of Table 1.
     *
     * @param cleanSparsity  sparsity of the codes of the clean inputs, in [0, 1]
     * @param cleanPsnr      PSNR of the reconstruction of the clean input
     * @param noisyPsnr      PSNR of the noisy input against the clean one
     * @param noisySparsity  sparsity of the codes of the noisy inputs
     * @param denoisedPsnr   PSNR of the reconstruction of the noisy input against the clean one
     */
    public record Row(double sigma, int samples, double cleanSparsity, double cleanPsnr, double noisyPsnr,
                      double noisySparsity, double denoisedPsnr) {
    }

    /**
     * The data with Gaussian noise of standard deviation sigma added to every value (same names, labels and
     * maps); the noise comes from {@code new Random(seed)}, row-major, so a seed gives the same noise.
     */
    public static Dataset noisy(Dataset clean, double sigma, long seed) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be a finite number >= 0, got " + sigma);
        }
        int n = clean.size();
        int d = clean.dim();
        float[] x = new float[Math.multiplyExact(n, d)];
        Random rng = new Random(seed);
        for (int i = 0, o = 0; i < n; i++) {
            for (int j = 0; j < d; j++, o++) {
                x[o] = (float) (clean.get(i, j) + sigma * rng.nextGaussian());
            }
        }
        int[] labels = null;
        if (clean.hasLabels()) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = clean.label(i);
            }
        }
        return new Dataset(clean.name() + "+N(0," + sigma + "^2)", x, n, d, labels, clean.pixelMaps());
    }

    /** Table 1's columns for one sigma over the complete batches of {@code clean}. */
    public static Row evaluate(SparseAutoencoder model, Dataset clean, double sigma, long seed) {
        int n = model.config().batchSize();
        Dataset noisy = noisy(clean, sigma, seed);
        FistaParams p = FistaParams.of(model.config());
        Evaluator evaluator = new Evaluator(model, n);
        Summary cleanCodes = evaluator.evaluate(clean, p);
        Summary noisyCodes = evaluator.evaluate(noisy, clean, p);
        int batches = clean.size() / n;
        return new Row(sigma, batches * n, cleanCodes.sparsity(), cleanCodes.psnr(),
                inputPsnr(noisy, clean, batches * n, model.config().normalisation()), noisyCodes.sparsity(), noisyCodes.psnr());
    }

    /** Mean PSNR of the first {@code count} noisy inputs themselves against the clean ones. */
    static double inputPsnr(Dataset noisy, Dataset clean, int count, Normalisation norm) {
        int d = clean.dim();
        int rows = Math.min(count, 1000);
        Matrix a = Matrix.zeros(rows, d);
        Matrix b = Matrix.zeros(rows, d);
        float[] scale = clean.pixelMaps() != null ? new float[rows * d] : null;
        double total = 0;
        for (int from = 0; from < count; from += rows) {
            int m = Math.min(rows, count - from);
            Matrix x = m == rows ? a : Matrix.zeros(m, d);
            Matrix y = m == rows ? b : Matrix.zeros(m, d);
            noisy.copyRows(from, m, x.data());
            clean.copyRows(from, m, y.data());
            if (scale != null) {
                clean.pixelMaps().copyScaleRows(from, m, scale);
            }
            total += Psnr.sum(x, y, norm, scale);
        }
        return total / count;
    }
}
