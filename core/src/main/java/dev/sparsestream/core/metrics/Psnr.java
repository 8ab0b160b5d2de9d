package dev.sparsestream.core.metrics;

import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;

/**
 * PSNR per sample in pixel space, then averaged (docs/method.md, "Metrics"): p = std x + mean for target
 * and reconstruction, no clamping; mse_i = mean over pixels (1e-4 where it is 0); PSNR_i = 10 log10(1 / mse_i).
 * Natural-image patches map back to pixels per sample and pixel ({@link dev.sparsestream.core.data.PixelMaps}:
 * p = scale x + offset), so their difference is scale times the normalised one.
 */
public final class Psnr {
    private Psnr() {
    }

    /** Sum over the batch's samples of PSNR_i (sum, so batches of any size can be averaged exactly). */
    public static double sum(Matrix recon, Matrix target, Normalisation norm) {
        return sum(recon, target, norm, null);
    }

    /**
     * As {@link #sum(Matrix, Matrix, Normalisation)}, with per-pixel scales.
     *
     * @param scaleOrNull (n, d) row-major pixel scales of the batch's samples (at least n*d values), or null to use
     *                    {@code norm.std()} everywhere
     */
    public static double sum(Matrix recon, Matrix target, Normalisation norm, float[] scaleOrNull) {
        int n = target.rows();
        int d = target.cols();
        Matrix.requireShape(recon, n, d, "reconstruction");
        if (scaleOrNull != null && scaleOrNull.length < n * d) {
            throw new IllegalArgumentException("pixel scales hold " + scaleOrNull.length + " values for a batch of "
                    + n + " x " + d);
        }
        FloatBuffer rd = recon.data();
        FloatBuffer td = target.data();
        float[] r = new float[d]; // once per batch
        float[] t = new float[d];
        // pixel difference = scale * (normalised difference): the offset cancels.
        double s2 = norm.std() * norm.std();
        double total = 0;
        for (int i = 0, o = 0; i < n; i++, o += d) {
            rd.get(o, r, 0, d);
            td.get(o, t, 0, d);
            double se;
            if (scaleOrNull == null) {
                se = Matrix.squaredDistance(r, t, d) * s2;
            } else {
                se = 0;
                for (int p = 0; p < d; p++) {
                    double e = (double) scaleOrNull[o + p] * (r[p] - t[p]);
                    se += e * e;
                }
            }
            total += ofMse(se / d);
        }
        return total;
    }

    /**
     * As {@link #sum(Matrix, Matrix, Normalisation)} from each sample's squared error in normalised units,
     * sum_p (recon_ip - target_ip)^2 ({@code Matrix.rowSquaredDistances}), over d pixels.
     */
    public static double sumOfRows(double[] squaredErrors, int n, int d, Normalisation norm) {
        double s2 = norm.std() * norm.std();
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += ofMse(squaredErrors[i] * s2 / d);
        }
        return total;
    }

    /** One sample's PSNR (peak 1) from its pixel-space MSE; an exact reconstruction counts as MSE 1e-4 (40 dB). */
    private static double ofMse(double mse) {
        return 10 * Math.log10(1 / (mse == 0 ? 1e-4 : mse));
    }
}
