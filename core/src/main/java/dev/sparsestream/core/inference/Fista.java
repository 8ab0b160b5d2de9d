package dev.sparsestream.core.inference;

import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.Arrays;

/**
 * Non-negative FISTA on the paper's modified energy (REFERENCE.md):
 * <pre>
 *   f(Z) = sum_i mean_p (y_i - D(z_i))^2 + beta sum_j [(T - s_j)_+]^2 + gamma sum_i mean_k (z_ik - zE_ik)^2
 *   Z_k     = max(0, x_k - eta grad f(x_k) - lambda eta)
 *   t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2
 *   x_{k+1} = Z_k + ((t_k - 1) / t_{k+1}) (Z_k - Z_{k-1})
 * </pre>
 * A state object for batches of n codes of size l: it owns every buffer, so a solve allocates nothing.
 *
 * <p>Per-sample stopping: sample i has converged at step k when ||z_i^k - z_i^{k-1}|| < tol ||z_i^{k-1}||
 * (a sample whose code stays all zero counts as converged, unlike the reference's 0/0). A converged
 * sample is frozen: its code no longer changes and it takes no momentum (REFERENCE.md allows this
 * simplification of the reference, which keeps stepping it with zero gradient). Frozen samples still
 * enter the variance hinge's batch statistics at every step.
 */
public final class Fista {
    private final int n;
    private final int l;
    private final Matrix z;      // (n, l) the result Z, in sample order
    private final Matrix x;      // (n, l) extrapolated points of the active samples, in slot order
    private final Matrix grad;   // (n, l) gradient of the reconstruction term at x, in slot order
    // Working copies in slot order. Active (not yet converged) samples occupy slots [0, active), so
    // the products run on active rows only; converged samples are swapped behind them.
    // Plain arrays for the fused elementwise loop: they vectorise, direct buffers do not.
    private final float[] zh;
    private final float[] xh;
    private final float[] gh;
    private final float[] eh;
    private final int[] sampleAt;  // slot -> sample
    private final float[] colMean;
    private final float[] colCoef;
    private final double[] colSum;
    private final double[] colSq;
    private final double[] frozenSum;
    private final double[] frozenSq;
    private final boolean[] done;
    private final int[] steps;     // per slot
    private int iterations;
    private double meanSteps;

    public Fista(int n, int l) {
        this.n = n;
        this.l = l;
        z = Matrix.zeros(n, l);
        x = Matrix.zeros(n, l);
        grad = Matrix.zeros(n, l);
        zh = new float[n * l];
        xh = new float[n * l];
        gh = new float[n * l];
        eh = new float[n * l];
        sampleAt = new int[n];
        colMean = new float[l];
        colCoef = new float[l];
        colSum = new double[l];
        colSq = new double[l];
        frozenSum = new double[l];
        frozenSq = new double[l];
        done = new boolean[n];
        steps = new int[n];
    }

    /**
     * Minimises the energy for the targets the decoder workspace is bound to.
     *
     * @param decoder a decoder workspace for n samples, already {@link Decoder.Workspace#bind bound};
     *                its bound targets are permuted during the solve and restored at the end
     * @param z0      the starting codes (n, l), not changed (the encoder's codes, or zeros)
     * @param zE      the encoder's codes (n, l) for the gamma term, not changed; null when gamma = 0
     * @return the codes (n, l): this object's buffer, valid until the next solve
     */
    public Matrix solve(Decoder.Workspace decoder, Matrix z0, Matrix zE, FistaParams p) {
        Matrix.requireShape(z0, n, l, "FISTA start");
        if (decoder.batchSize() != n) {
            throw new IllegalArgumentException("decoder workspace is for " + decoder.batchSize() + " samples, FISTA for " + n);
        }
        if (p.gamma() > 0) {
            if (zE == null) {
                throw new IllegalArgumentException("gamma > 0 needs the encoder's codes");
            }
            Matrix.requireShape(zE, n, l, "encoder codes");
            zE.data().get(0, eh);
        } else {
            Arrays.fill(eh, 0f);
        }
        z0.data().get(0, zh);
        System.arraycopy(zh, 0, xh, 0, zh.length);
        x.data().put(0, xh);
        for (int s = 0; s < n; s++) {
            sampleAt[s] = s;
        }
        Arrays.fill(steps, 0);
        Arrays.fill(frozenSum, 0);
        Arrays.fill(frozenSq, 0);
        final float eta = (float) p.eta();
        final float threshold = (float) (p.lambda() * p.eta());
        final float gammaScale = (float) (2 * p.gamma() / l);
        final float tol2 = (float) (p.tolerance() * p.tolerance());
        final boolean hinge = p.beta() > 0;
        if (!hinge) {
            Arrays.fill(colCoef, 0f);
            Arrays.fill(colMean, 0f);
        }
        double t = 1;
        int active = n;
        int k = 0;
        while (k < p.maxSteps() && active > 0) {
            k++;
            decoder.reconstructionGradient(x, grad, active);
            grad.data().get(0, gh, 0, active * l);
            if (hinge) {
                hingeCoefficients(active, p.beta(), p.hingeT());
            }
            double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
            float momentum = (float) ((t - 1) / tNext);
            t = tNext;
            for (int s = 0; s < active; s++) {
                int base = s * l;
                // Branch-free so that it vectorises; coef_j = 0 where the hinge is inactive, eh = 0 when gamma = 0.
                // d/dz_ij beta (T - s_j)^2 = coef_j (z_ij - mu_j),  coef_j = -(2 beta/(n-1)) (T - s_j)/s_j
                for (int j = 0; j < l; j++) {
                    int o = base + j;
                    float xv = xh[o];
                    float g = gh[o] + colCoef[j] * (xv - colMean[j]) + gammaScale * (xv - eh[o]);
                    float zOld = zh[o];
                    float zNew = Math.max(0f, xv - eta * g - threshold);
                    gh[o] = zNew - zOld;          // gh now holds the change, for the convergence test
                    zh[o] = zNew;
                    xh[o] = zNew + momentum * (zNew - zOld);
                }
                done[s] = rowConverged(base, tol2);
                if (!done[s]) {
                    steps[s]++;
                }
            }
            active = compact(decoder, active);
            x.data().put(0, xh, 0, active * l);
        }
        iterations = k;
        long sum = 0;
        for (int s = 0; s < n; s++) {
            sum += steps[s];
            z.data().put(sampleAt[s] * l, zh, s * l, l);
        }
        // Restore the decoder's targets to sample order (a selection sort of the slots by sample).
        for (int s = 0; s < n; s++) {
            while (sampleAt[s] != s) {
                int other = sampleAt[s];
                decoder.swapRows(s, other);
                swapInt(sampleAt, s, other);
            }
        }
        meanSteps = (double) sum / n;
        return z;
    }

    /**
     * Freezes the samples that converged this step (x_i = z_i from now on, no momentum) and moves them
     * behind the active ones; returns the new number of active samples.
     */
    private int compact(Decoder.Workspace decoder, int active) {
        int s = 0;
        while (s < active) {
            if (!done[s]) {
                s++;
                continue;
            }
            int base = s * l;
            System.arraycopy(zh, base, xh, base, l);
            for (int j = 0; j < l; j++) {
                double v = zh[base + j];
                frozenSum[j] += v;
                frozenSq[j] += v * v;
            }
            int last = active - 1;
            if (s != last) {
                swapRow(zh, s, last);
                swapRow(xh, s, last);
                swapRow(eh, s, last);
                swapInt(sampleAt, s, last);
                swapInt(steps, s, last);
                done[s] = done[last];
                decoder.swapRows(s, last);
            }
            active--;
        }
        return active;
    }

    private void swapRow(float[] a, int i, int j) {
        int bi = i * l;
        int bj = j * l;
        for (int k = 0; k < l; k++) {
            float t = a[bi + k];
            a[bi + k] = a[bj + k];
            a[bj + k] = t;
        }
    }

    private static void swapInt(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** ||dz_i||^2 < tol^2 ||z_i^{k-1}||^2 (0 -> 0 counts as converged); dz is in gh, z^k in zh. */
    private boolean rowConverged(int base, float tol2) {
        // Four accumulators break the add dependency chain (float sums do not auto-vectorise).
        float d0 = 0, d1 = 0, d2 = 0, d3 = 0, o0 = 0, o1 = 0, o2 = 0, o3 = 0;
        int j = 0;
        for (; j + 3 < l; j += 4) {
            int o = base + j;
            float a0 = gh[o], a1 = gh[o + 1], a2 = gh[o + 2], a3 = gh[o + 3];
            d0 += a0 * a0;
            d1 += a1 * a1;
            d2 += a2 * a2;
            d3 += a3 * a3;
            float b0 = zh[o] - a0, b1 = zh[o + 1] - a1, b2 = zh[o + 2] - a2, b3 = zh[o + 3] - a3; // z^{k-1}
            o0 += b0 * b0;
            o1 += b1 * b1;
            o2 += b2 * b2;
            o3 += b3 * b3;
        }
        for (; j < l; j++) {
            float a = gh[base + j];
            float b = zh[base + j] - a;
            d0 += a * a;
            o0 += b * b;
        }
        float diff2 = (d0 + d1) + (d2 + d3);
        float old2 = (o0 + o1) + (o2 + o3);
        return diff2 < tol2 * old2 || (old2 == 0f && diff2 == 0f);
    }

    /**
     * colCoef_j = -(2 beta/(n-1)) (T - s_j)/s_j for 0 < s_j < T, else 0; colMean_j = mu_j; over all n
     * samples at x (frozen samples enter through their running sums).
     */
    private void hingeCoefficients(int active, double beta, double hingeT) {
        System.arraycopy(frozenSum, 0, colSum, 0, l);
        System.arraycopy(frozenSq, 0, colSq, 0, l);
        for (int s = 0; s < active; s++) {
            int base = s * l;
            for (int j = 0; j < l; j++) {
                double v = xh[base + j];
                colSum[j] += v;
                colSq[j] += v * v;
            }
        }
        double scale = 2 * beta / (n - 1);
        for (int j = 0; j < l; j++) {
            double mean = colSum[j] / n;
            // Sums in double keep sum(x^2) - n mean^2 accurate for these magnitudes; clamp rounding below 0.
            double var = Math.max(0, (colSq[j] - n * mean * mean) / (n - 1));
            double s = Math.sqrt(var);
            colMean[j] = (float) mean;
            colCoef[j] = s > 0 && s < hingeT ? (float) (-scale * (hingeT - s) / s) : 0f;
        }
    }

    /** FISTA steps taken by the last solve (the loop's length). */
    public int iterations() {
        return iterations;
    }

    /** Mean over samples of the number of steps at which the sample had not converged (last solve). */
    public double meanSteps() {
        return meanSteps;
    }

    public int batchSize() {
        return n;
    }

    public int codeDim() {
        return l;
    }
}
