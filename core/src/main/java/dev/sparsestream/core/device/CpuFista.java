package dev.sparsestream.core.device;

import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The CPU device's {@link Fista}: fused Java loops over heap rows, converged samples moved behind the active
 * ones (a reference swap) so that the decoder's products run on the active rows only.
 */
final class CpuFista implements Fista {
    private final int n;
    private final int l;
    private final Matrix z;      // (n, l) the result Z, in sample order
    private final Matrix x;      // (n, l) extrapolated points of the active samples, in slot order
    private final Matrix grad;   // (n, l) gradient of the reconstruction term at x, in slot order
    // Working copies in slot order, one array per slot: active (not yet converged) samples occupy slots
    // [0, active), so the products run on active rows only, and freezing a sample swaps two references.
    // Rows as separate arrays, not one flat array, because HotSpot vectorises a loop whose accesses all
    // share one offset (row[j], col[j]) but not row-major ones mixed with per-column ones (a[s*l+j], col[j]).
    private final float[][] zh;  // (n)(l) Z_k
    private final float[][] xh;  // (n)(l) x_k
    private final float[][] gh;  // (n)(l) gradient, then the step's change Z_k - Z_{k-1}
    private final float[][] eh;  // (n)(l) encoder codes, zero when gamma = 0
    private final int[] sampleAt;  // slot -> sample
    private final float[] colMean;
    private final float[] colCoef;
    private final float[] colSum;
    private final float[] colSq;
    private final double[] frozenSum;
    private final double[] frozenSq;
    private final boolean[] done;
    private final int[] steps;     // per slot
    private int iterations;
    private double meanSteps;
    private double meanStepSize;
    // Backtracking's own state, allocated by the first solve that uses it.
    private float[][] ph;          // (n)(l) the step's candidate Z_k
    private float[] etaAt;         // per slot: the sample's step size, non-increasing within a solve
    private double[] stepSq;       // per slot: ||Z_k - x_k||^2 of the candidate
    private double[] curvature;    // per slot: (1/d) ||J delta||^2 of the candidate
    private float[] deltaRow;
    private Matrix delta;          // (n, l) Z_k - x_k, in slot order
    /** A step is halved at most this often (eta 2^-40 smaller): a guard, never reached with finite weights. */
    private static final int MAX_HALVINGS = 40;

    CpuFista(int n, int l) {
        this.n = n;
        this.l = l;
        z = Matrix.zeros(n, l);
        x = Matrix.zeros(n, l);
        grad = Matrix.zeros(n, l);
        zh = new float[n][l];
        xh = new float[n][l];
        gh = new float[n][l];
        eh = new float[n][l];
        sampleAt = new int[n];
        colMean = new float[l];
        colCoef = new float[l];
        colSum = new float[l];
        colSq = new float[l];
        frozenSum = new double[l];
        frozenSq = new double[l];
        done = new boolean[n];
        steps = new int[n];
    }

    /**
     * {@inheritDoc}
     */
    @Override
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
        }
        FloatBuffer z0d = z0.data();
        for (int s = 0; s < n; s++) {
            z0d.get(s * l, zh[s], 0, l);
            System.arraycopy(zh[s], 0, xh[s], 0, l);
            if (p.gamma() > 0) {
                zE.data().get(s * l, eh[s], 0, l);
            } else {
                Arrays.fill(eh[s], 0f);
            }
            sampleAt[s] = s;
        }
        x.copyFrom(z0);
        Arrays.fill(steps, 0);
        Arrays.fill(frozenSum, 0);
        Arrays.fill(frozenSq, 0);
        final float eta = (float) p.eta();
        final float threshold = (float) (p.lambda() * p.eta());
        final float gammaScale = (float) (2 * p.gamma() / l);
        final float tol2 = (float) (p.tolerance() * p.tolerance());
        final boolean hinge = p.beta() > 0;
        Arrays.fill(colCoef, 0f);
        if (hinge) {
            startStatistics();
        } else {
            Arrays.fill(colMean, 0f);
        }
        final boolean backtracking = p.backtracking();
        if (backtracking) {
            startBacktracking(eta);
        }
        FloatBuffer gradData = grad.data();
        FloatBuffer xData = x.data();
        double t = 1;
        int active = n;
        int k = 0;
        while (k < p.maxSteps() && active > 0) {
            k++;
            decoder.reconstructionGradient(x, grad, active);
            if (hinge) {
                hingeCoefficients(active, p.beta(), p.hingeT());
            }
            double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
            float momentum = (float) ((t - 1) / tNext);
            t = tNext;
            if (backtracking) {
                backtrack(decoder, active, p.lambda(), gammaScale);
            }
            for (int s = 0; s < active; s++) {
                float[] xs = xh[s];
                float[] gs = gh[s];
                float[] zs = zh[s];
                float[] es = eh[s];
                if (backtracking) {
                    accept(xs, gs, zs, ph[s], momentum);
                } else {
                    gradData.get(s * l, gs, 0, l);
                    step(xs, gs, zs, es, eta, threshold, gammaScale, momentum);
                }
                if (hinge) {
                    accumulate(xs);
                }
                convergenceTerms(gs, zs, tol2);
                done[s] = converged(gs, zs);
                if (!done[s]) {
                    steps[s]++;
                }
            }
            active = compact(decoder, active);
            for (int s = 0; s < active; s++) {
                xData.put(s * l, xh[s], 0, l);
            }
        }
        iterations = k;
        long sum = 0;
        FloatBuffer zData = z.data();
        for (int s = 0; s < n; s++) {
            sum += steps[s];
            zData.put(sampleAt[s] * l, zh[s], 0, l);
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
        double etaSum = 0;
        for (int s = 0; s < n; s++) {
            etaSum += backtracking ? etaAt[s] : eta;
        }
        meanStepSize = etaSum / n;
        return z;
    }

    // ---- backtracking (docs/method.md, "Backtracking") ----

    private void startBacktracking(float eta) {
        if (ph == null) {
            ph = new float[n][l];
            etaAt = new float[n];
            stepSq = new double[n];
            curvature = new double[n];
            deltaRow = new float[l];
            delta = Matrix.zeros(n, l);
        }
        Arrays.fill(etaAt, eta);
    }

    /**
     * Beck and Teboulle's backtracking, per sample: each active sample's candidate Z_k = prox(x_k - eta_i g_i)
     * into ph, with eta_i halved until the reconstruction and encoder terms lie under their quadratic bound at
     * it, c_i + (gamma/l) ||delta_i||^2 <= ||delta_i||^2 / (2 eta_i) for delta_i = Z_k - x_k, c_i the decoder's
     * curvature along delta_i ({@link Decoder.Workspace#curvatureAlong}). The encoder term is quadratic, so its
     * part is exact; the variance hinge, which couples the batch's samples, is left out of the test. A sample
     * whose eta passes takes exactly the fixed step's floats.
     * On exit gh holds each sample's full gradient at x_k.
     */
    private void backtrack(Decoder.Workspace decoder, int active, double lambda, float gammaScale) {
        FloatBuffer gradData = grad.data();
        for (int s = 0; s < active; s++) {
            float[] gs = gh[s];
            gradData.get(s * l, gs, 0, l);
            fullGradient(xh[s], gs, eh[s], gammaScale);
            propose(s, lambda);
        }
        for (int round = 0; round < MAX_HALVINGS; round++) {
            decoder.curvatureAlong(delta, active, curvature);
            boolean shortened = false;
            for (int s = 0; s < active; s++) {
                if (curvature[s] + 0.5 * gammaScale * stepSq[s] > stepSq[s] / (2.0 * etaAt[s])) {
                    etaAt[s] *= 0.5f;
                    propose(s, lambda);
                    shortened = true;
                }
            }
            if (!shortened) {
                return;
            }
        }
    }

    /** gs := the energy's gradient at xs without the L1 term: reconstruction (given), hinge, encoder term. */
    private void fullGradient(float[] xs, float[] gs, float[] es, float gammaScale) {
        for (int j = 0; j < l; j++) {
            float xv = xs[j];
            gs[j] = gs[j] + colCoef[j] * (xv - colMean[j]) + gammaScale * (xv - es[j]);
        }
    }

    /** The candidate of slot s at its step size: ph[s] = max(0, x - eta g - lambda eta), delta and ||delta||^2. */
    private void propose(int s, double lambda) {
        float[] xs = xh[s];
        float[] gs = gh[s];
        float[] ps = ph[s];
        float[] d = deltaRow;
        float eta = etaAt[s];
        float threshold = (float) (lambda * eta);
        for (int j = 0; j < l; j++) {
            float zNew = Math.max(0f, xs[j] - eta * gs[j] - threshold);
            ps[j] = zNew;
            d[j] = zNew - xs[j];
        }
        double sq = 0;
        for (int j = 0; j < l; j++) {
            sq += (double) d[j] * d[j];
        }
        stepSq[s] = sq;
        delta.data().put(s * l, d, 0, l);
    }

    /** The fixed step's bookkeeping for a chosen candidate ps: gs := Z_k - Z_{k-1}, zs := Z_k, xs := x_{k+1}. */
    private static void accept(float[] xs, float[] gs, float[] zs, float[] ps, float momentum) {
        for (int j = 0; j < xs.length; j++) {
            float zOld = zs[j];
            float zNew = ps[j];
            gs[j] = zNew - zOld;
            zs[j] = zNew;
            xs[j] = zNew + momentum * (zNew - zOld);
        }
    }

    // Row loops, each small enough for HotSpot to unroll and vectorise (one fused loop is not).

    /**
     * One FISTA step of one sample: on entry gs holds the reconstruction gradient at xs, on exit the change
     * Z_k - Z_{k-1}; zs becomes Z_k and xs the next extrapolated point.
     */
    private void step(float[] xs, float[] gs, float[] zs, float[] es, float eta, float threshold, float gammaScale,
                      float momentum) {
        // d/dz_ij beta (T - s_j)^2 = coef_j (z_ij - mu_j),  coef_j = -(2 beta/(n-1)) (T - s_j)/s_j
        // Branch-free: coef_j = 0 where the hinge is inactive, es = 0 when gamma = 0.
        for (int j = 0; j < l; j++) {
            float xv = xs[j];
            float g = gs[j] + colCoef[j] * (xv - colMean[j]) + gammaScale * (xv - es[j]);
            float zOld = zs[j];
            float zNew = Math.max(0f, xv - eta * g - threshold);
            gs[j] = zNew - zOld;
            zs[j] = zNew;
            xs[j] = zNew + momentum * (zNew - zOld);
        }
    }

    /** Adds a sample's next x to the hinge statistics, centred on this step's mean so float sums lose nothing. */
    private void accumulate(float[] xs) {
        for (int j = 0; j < l; j++) {
            float c = xs[j] - colMean[j];
            colSum[j] += c;
            colSq[j] += c * c;
        }
    }

    /** dz_j^2 - tol^2 (z_j^{k-1})^2 in place of dz_j: their sum is negative when ||dz|| < tol ||z^{k-1}||. */
    private void convergenceTerms(float[] dz, float[] z, float tol2) {
        for (int j = 0; j < l; j++) {
            float d = dz[j];
            float zOld = z[j] - d;
            dz[j] = d * d - tol2 * (zOld * zOld);
        }
    }

    /**
     * Freezes the samples that converged this step (their code no longer changes and their x is no longer
     * needed) and moves them behind the active ones; returns the new number of active samples.
     */
    private int compact(Decoder.Workspace decoder, int active) {
        int s = 0;
        while (s < active) {
            if (!done[s]) {
                s++;
                continue;
            }
            float[] zs = zh[s];
            float[] xs = xh[s];
            for (int j = 0; j < l; j++) {
                // From the next step on its x is its z: move it from the active sums to the frozen ones.
                float c = xs[j] - colMean[j];
                colSum[j] -= c;
                colSq[j] -= c * c;
                double v = zs[j];
                frozenSum[j] += v;
                frozenSq[j] += v * v;
            }
            int last = active - 1;
            if (s != last) {
                swap(zh, s, last);
                swap(xh, s, last);
                swap(gh, s, last);
                swap(eh, s, last);
                swapInt(sampleAt, s, last);
                swapInt(steps, s, last);
                if (etaAt != null) {
                    swap(ph, s, last);
                    float e = etaAt[s];
                    etaAt[s] = etaAt[last];
                    etaAt[last] = e;
                }
                done[s] = done[last];
                decoder.swapRows(s, last);
            }
            active--;
        }
        return active;
    }

    private static void swap(float[][] rows, int i, int j) {
        float[] t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
    }

    private static void swapInt(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /**
     * ||dz_i||^2 < tol^2 ||z_i^{k-1}||^2, given the terms dz_ij^2 - tol^2 (z_ij^{k-1})^2; a code that stays
     * all zero (0 < 0 fails) counts as converged.
     */
    private boolean converged(float[] terms, float[] z) {
        // Eight accumulators break the add dependency chain (float reductions do not auto-vectorise).
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        int j = 0;
        for (; j + 7 < l; j += 8) {
            a0 += terms[j];
            a1 += terms[j + 1];
            a2 += terms[j + 2];
            a3 += terms[j + 3];
            a4 += terms[j + 4];
            a5 += terms[j + 5];
            a6 += terms[j + 6];
            a7 += terms[j + 7];
        }
        for (; j < l; j++) {
            a0 += terms[j];
        }
        float sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
        // sum = 0 with Z_k = 0 means (1 - tol^2) ||z^{k-1}||^2 = 0: the code was and stays zero.
        return sum < 0f || (sum == 0f && isZero(z));
    }

    private boolean isZero(float[] z) {
        for (int j = 0; j < l; j++) {
            if (z[j] != 0f) {
                return false;
            }
        }
        return true;
    }

    /**
     * Centres the hinge statistics of the start point x_0: colMean = the column means, colSum and colSq the
     * sums of x - colMean and its square over the samples (the step loop keeps them for each next x).
     */
    private void startStatistics() {
        Arrays.fill(colSum, 0f);
        for (int s = 0; s < n; s++) {
            float[] xs = xh[s];
            for (int j = 0; j < l; j++) {
                colSum[j] += xs[j];
            }
        }
        for (int j = 0; j < l; j++) {
            colMean[j] = colSum[j] / n;
        }
        Arrays.fill(colSum, 0f);
        Arrays.fill(colSq, 0f);
        for (int s = 0; s < n; s++) {
            float[] xs = xh[s];
            for (int j = 0; j < l; j++) {
                float c = xs[j] - colMean[j];
                colSum[j] += c;
                colSq[j] += c * c;
            }
        }
    }

    /**
     * colCoef_j = -(2 beta/(n-1)) (T - s_j)/s_j for 0 < s_j < T, else 0, and colMean_j = mu_j, over all n
     * samples at x: the active ones through their sums centred on the previous colMean, the frozen ones
     * through their plain sums in double. Restarts the centred sums for the next x.
     */
    private void hingeCoefficients(int active, double beta, double hingeT) {
        int frozen = n - active;
        double scale = 2 * beta / (n - 1);
        for (int j = 0; j < l; j++) {
            double c = colMean[j];
            double s1 = colSum[j] + (frozenSum[j] - frozen * c);                     // sum (x - c)
            double s2 = colSq[j] + (frozenSq[j] - 2 * c * frozenSum[j] + frozen * c * c); // sum (x - c)^2
            double var = Math.max(0, (s2 - s1 * s1 / n) / (n - 1));
            double s = Math.sqrt(var);
            colMean[j] = (float) (c + s1 / n);
            colCoef[j] = s > 0 && s < hingeT ? (float) (-scale * (hingeT - s) / s) : 0f;
            colSum[j] = 0f;
            colSq[j] = 0f;
        }
    }

    /** FISTA steps taken by the last solve (the loop's length). */
    @Override
    public int iterations() {
        return iterations;
    }

    /** Mean over samples of the number of steps at which the sample had not converged (last solve). */
    @Override
    public double meanSteps() {
        return meanSteps;
    }

    /** Mean over samples of the step size each ended the last solve with (eta itself without backtracking). */
    @Override
    public double meanStepSize() {
        return meanStepSize;
    }

    @Override
    public int batchSize() {
        return n;
    }

    @Override
    public int codeDim() {
        return l;
    }
}
