package dev.sparsestream.core.metrics;

import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;

/**
 * PSNR per sample in pixel space, then averaged (REFERENCE.md, "Metrics"): p = std x + mean for target
 * and reconstruction, no clamping; mse_i = mean over pixels (1e-4 where it is 0); PSNR_i = 10 log10(1 / mse_i).
 */
public final class Psnr {
    private Psnr() {
    }

    /** Sum over the batch's samples of PSNR_i (sum, so batches of any size can be averaged exactly). */
    public static double sum(Matrix recon, Matrix target, Normalisation norm) {
        int n = target.rows();
        int d = target.cols();
        Matrix.requireShape(recon, n, d, "reconstruction");
        FloatBuffer rd = recon.data();
        FloatBuffer td = target.data();
        // pixel difference = std * (normalised difference): the mean cancels.
        double s2 = norm.std() * norm.std();
        double total = 0;
        for (int i = 0, o = 0; i < n; i++) {
            double se = 0;
            for (int p = 0; p < d; p++, o++) {
                double r = rd.get(o) - td.get(o);
                se += r * r;
            }
            double mse = s2 * se / d;
            total += 10 * Math.log10(1 / (mse == 0 ? 1e-4 : mse));
        }
        return total;
    }
}
