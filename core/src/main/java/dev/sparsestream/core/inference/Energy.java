package dev.sparsestream.core.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;

/**
 * The terms of the inference energy of one batch (docs/method.md), each already weighted:
 * reconstruction sum_i mean_p (y_i - D(z_i))^2, sparsity lambda sum_i ||z_i||_1,
 * hinge beta sum_j [(T - s_j)_+]^2 and encoder gamma sum_i mean_k (z_ik - zE_ik)^2.
 */
@JsonIgnoreProperties({"finite"}) // isFinite() is derived; reports written before this carried it
public record Energy(double reconstruction, double sparsity, double hinge, double encoder) {

    public double total() {
        return reconstruction + sparsity + hinge + encoder;
    }

    public Energy plus(Energy o) {
        return new Energy(reconstruction + o.reconstruction, sparsity + o.sparsity, hinge + o.hinge, encoder + o.encoder);
    }

    public Energy times(double f) {
        return new Energy(reconstruction * f, sparsity * f, hinge * f, encoder * f);
    }

    public boolean isFinite() {
        return Double.isFinite(total());
    }

    public static final Energy ZERO = new Energy(0, 0, 0, 0);

    /**
     * @param z     codes (n, l)
     * @param recon D(z) (n, d)
     * @param y     targets (n, d)
     * @param zE    encoder codes (n, l) or null (then the encoder term is 0)
     */
    public static Energy of(Matrix z, Matrix recon, Matrix y, Matrix zE, FistaParams p) {
        Matrix.requireShape(recon, z.rows(), y.cols(), "reconstruction");
        return of(z, Matrix.squaredDistance(recon, y), y.cols(), zE, p);
    }

    /**
     * As {@link #of(Matrix, Matrix, Matrix, Matrix, FistaParams)} from the batch's squared reconstruction error
     * sum_i ||y_i - D(z_i)||^2, already summed (for the per-sample PSNR too), over d pixels.
     */
    public static Energy of(Matrix z, double squaredError, int d, Matrix zE, FistaParams p) {
        int n = z.rows();
        int l = z.cols();
        double rec = squaredError / d;
        FloatBuffer zd = z.data();
        float[] row = new float[l]; // once per batch, not per FISTA step
        double l1 = 0;
        for (int i = 0; i < n; i++) {
            zd.get(i * l, row, 0, l);
            for (int j = 0; j < l; j++) {
                l1 += Math.abs(row[j]);
            }
        }
        double hinge = 0;
        if (p.beta() > 0) {
            double[] std = CodeStats.componentStd(z);
            for (double s : std) {
                double h = Math.max(0, p.hingeT() - s);
                hinge += h * h;
            }
        }
        double enc = 0;
        if (zE != null && p.gamma() > 0) {
            enc = Matrix.squaredDistance(z, zE) / l;
        }
        return new Energy(rec, p.lambda() * l1, p.beta() * hinge, p.gamma() * enc);
    }
}
