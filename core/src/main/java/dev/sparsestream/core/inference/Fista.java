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
    private final Matrix z;      // (n, l) the result Z_k, filled at the end of a solve
    private final Matrix x;      // (n, l) extrapolated point x_k, the decoder's input
    private final Matrix grad;   // (n, l) gradient of the reconstruction term at x
    // Heap copies for the fused elementwise loop: plain arrays vectorise, direct buffers do not.
    private final float[] zh;
    private final float[] xh;
    private final float[] gh;
    private final float[] eh;
    private final float[] colMean;
    private final float[] colCoef;
    private final float[] colSum;
    private final float[] colSq;
    private final boolean[] converged;
    private final int[] steps;
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
        colMean = new float[l];
        colCoef = new float[l];
        colSum = new float[l];
        colSq = new float[l];
        converged = new boolean[n];
        steps = new int[n];
    }

    /**
     * Minimises the energy for the targets the decoder workspace is bound to.
     *
     * @param decoder a decoder workspace for n samples, already {@link Decoder.Workspace#bind bound}
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
        Arrays.fill(converged, false);
        Arrays.fill(steps, 0);
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
            decoder.reconstructionGradient(x, grad);
            grad.data().get(0, gh);
            if (hinge) {
                hingeCoefficients(p.beta(), p.hingeT());
            }
            double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
            float momentum = (float) ((t - 1) / tNext);
            t = tNext;
            for (int i = 0; i < n; i++) {
                if (converged[i]) {
                    continue;
                }
                int base = i * l;
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
                if (rowConverged(base, tol2)) {
                    converged[i] = true;
                    active--;
                    // Frozen from now on: x_i = z_i, so it no longer moves the batch statistics.
                    System.arraycopy(zh, base, xh, base, l);
                } else {
                    steps[i]++;
                }
            }
            x.data().put(0, xh);
        }
        iterations = k;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += steps[i];
        }
        meanSteps = (double) sum / n;
        z.data().put(0, zh);
        return z;
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

    /** colCoef_j = -(2 beta/(n-1)) (T - s_j)/s_j for 0 < s_j < T, else 0; colMean_j = mu_j; at x. */
    private void hingeCoefficients(double beta, double hingeT) {
        Arrays.fill(colSum, 0f);
        Arrays.fill(colSq, 0f);
        for (int i = 0; i < n; i++) {
            int base = i * l;
            for (int j = 0; j < l; j++) {
                colSum[j] += xh[base + j];
            }
        }
        float invN = 1f / n;
        for (int j = 0; j < l; j++) {
            colMean[j] = colSum[j] * invN;
        }
        for (int i = 0; i < n; i++) {
            int base = i * l;
            for (int j = 0; j < l; j++) {
                float c = xh[base + j] - colMean[j];
                colSq[j] += c * c;
            }
        }
        double scale = 2 * beta / (n - 1);
        for (int j = 0; j < l; j++) {
            double s = Math.sqrt(colSq[j] / (n - 1));
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
