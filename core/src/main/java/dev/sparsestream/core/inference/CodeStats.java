package dev.sparsestream.core.inference;

import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;

/**
 * Health of a batch of codes: per-component unbiased standard deviation over the batch (the
 * statistic of the variance hinge), summarised as its minimum, its mean and the number of "dead"
 * components whose std is below {@link #DEAD_STD}; and sparsity, the mean over samples of the
 * fraction of code entries that are exactly zero.
 */
public record CodeStats(double minStd, double meanStd, int deadComponents, double sparsity) {
    public static final double DEAD_STD = 1e-3;

    public static CodeStats of(Matrix z) {
        double[] std = componentStd(z);
        double min = Double.POSITIVE_INFINITY;
        double sum = 0;
        int dead = 0;
        for (double s : std) {
            min = Math.min(min, s);
            sum += s;
            if (s < DEAD_STD) {
                dead++;
            }
        }
        return new CodeStats(min, sum / std.length, dead, sparsity(z));
    }

    /** Unbiased standard deviation of each column of z (n, l) over its n rows. */
    public static double[] componentStd(Matrix z) {
        int n = z.rows();
        int l = z.cols();
        FloatBuffer d = z.data();
        float[] row = new float[l];
        double[] mean = new double[l];
        for (int i = 0; i < n; i++) {
            d.get(i * l, row, 0, l);
            for (int j = 0; j < l; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < l; j++) {
            mean[j] /= n;
        }
        double[] ss = new double[l];
        for (int i = 0; i < n; i++) {
            d.get(i * l, row, 0, l);
            for (int j = 0; j < l; j++) {
                double c = row[j] - mean[j];
                ss[j] += c * c;
            }
        }
        for (int j = 0; j < l; j++) {
            ss[j] = Math.sqrt(ss[j] / (n - 1));
        }
        return ss;
    }

    /** Mean over samples of the fraction of entries that are exactly 0. */
    public static double sparsity(Matrix z) {
        FloatBuffer d = z.data();
        long zeros = 0;
        for (int o = 0, size = z.size(); o < size; o++) {
            if (d.get(o) == 0f) {
                zeros++;
            }
        }
        // Every sample has l entries, so the mean of per-sample fractions is the overall fraction.
        return (double) zeros / z.size();
    }
}
