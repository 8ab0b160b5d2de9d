package dev.sparsestream.core.inference;

import static dev.sparsestream.core.inference.RefMath.assertClose;
import static dev.sparsestream.core.inference.RefMath.copy;
import static dev.sparsestream.core.inference.RefMath.numGrad;
import static dev.sparsestream.core.inference.RefMath.random;
import static dev.sparsestream.core.inference.RefMath.toD;
import static dev.sparsestream.core.inference.RefMath.toM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.LinearDecoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.MlpDecoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Analytic gradients of the main code against central finite differences of objectives computed in
 * double precision by the test itself (RefMath), on small random problems. Points are chosen away
 * from relu kinks (checked, not assumed), so the objectives are smooth where they are differentiated.
 */
class GradientCheckTest {
    static final int N = 6;
    static final int D = 7;
    static final int L = 5;
    static final int M = 4;
    static final double H = 1e-5;     // finite-difference step, on double-precision objectives
    static final double REL = 1e-3;   // analytic values come from float32 arithmetic

    /** A random MLP decoder and codes whose hidden pre-activations are all at least margin from 0. */
    record MlpCase(double[][] w1, double[] b1, double[][] w2, double[][] z) {
        MlpDecoder decoder() {
            return new MlpDecoder(toM(w1), toM(new double[][] {b1}), toM(w2));
        }
    }

    static MlpCase mlpCase(long seed, double zLo, double zHi, double margin) {
        for (long s = seed; s < seed + 10_000; s++) {
            Random rng = new Random(s);
            double[][] w1 = random(M, L, -0.6, 0.6, rng);
            double[] b1 = random(1, M, -0.5, 0.5, rng)[0];
            double[][] w2 = random(D, M, -0.6, 0.6, rng);
            double[][] z = random(N, L, zLo, zHi, rng);
            double min = Double.POSITIVE_INFINITY;
            int negative = 0;
            for (double[] zi : z) {
                double[] a = RefMath.mul(w1, zi);
                for (int k = 0; k < M; k++) {
                    double v = a[k] + b1[k];
                    min = Math.min(min, Math.abs(v));
                    if (v < 0) {
                        negative++;
                    }
                }
            }
            // Away from kinks, and with both active and inactive hidden units so the relu mask is exercised.
            if (min > margin && negative > 0 && negative < N * M) {
                return new MlpCase(w1, b1, w2, z);
            }
        }
        throw new AssertionError("no MLP case away from the relu kinks");
    }

    // ---------------------------------------------------------------- reconstructionGradient

    @Test
    void linearReconstructionGradient() {
        Random rng = new Random(11);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] x = random(N, L, -0.5, 1.5, rng);
        LinearDecoder dec = new LinearDecoder(toM(w));
        Decoder.Workspace ws = dec.workspace(N);
        ws.bind(toM(y));
        Matrix grad = Matrix.zeros(N, L);
        ws.reconstructionGradient(toM(x), grad);
        double[][] expected = numGrad(z -> RefMath.reconstruction(RefMath.linear(w), y, z), copy(x), H);
        assertClose("linear reconstruction gradient", expected, toD(grad), REL, 0);
    }

    @Test
    void mlpReconstructionGradient() {
        MlpCase c = mlpCase(21, 0, 1.5, 0.02);
        double[][] y = random(N, D, -1, 1, new Random(22));
        Decoder.Workspace ws = c.decoder().workspace(N);
        ws.bind(toM(y));
        Matrix grad = Matrix.zeros(N, L);
        ws.reconstructionGradient(toM(c.z()), grad);
        double[][] expected = numGrad(z -> RefMath.reconstruction(RefMath.mlp(c.w1(), c.b1(), c.w2()), y, z),
                copy(c.z()), H);
        assertClose("MLP reconstruction gradient", expected, toD(grad), REL, 0);
    }

    /**
     * FISTA's compacted form: after swapRows the bound targets are permuted, and the gradient is computed on
     * the first rows only; rows of grad past them are left alone.
     */
    private static void checkPartialRowsAfterSwaps(Decoder decoder, RefMath.Dec ref, double[][] x, double[][] y) {
        Decoder.Workspace ws = decoder.workspace(N);
        ws.bind(toM(y));
        ws.swapRows(0, 3);
        ws.swapRows(1, 5);
        ws.swapRows(3, 4);
        int[] sampleAt = {3, 5, 2, 4, 0, 1}; // slot -> original sample after the three swaps
        int rows = 4;
        double[][] yPerm = new double[rows][];
        for (int s = 0; s < rows; s++) {
            yPerm[s] = y[sampleAt[s]];
        }
        double[][] xRows = java.util.Arrays.copyOf(copy(x), rows);
        Matrix grad = Matrix.zeros(N, L);
        grad.fill(123f);
        ws.reconstructionGradient(toM(x), grad, rows);
        double[][] expected = numGrad(z -> RefMath.reconstruction(ref, yPerm, z), xRows, H);
        double[][] got = java.util.Arrays.copyOf(toD(grad), rows);
        assertClose("gradient on the first rows after swaps", expected, got, REL, 0);
        for (int s = rows; s < N; s++) {
            for (int k = 0; k < L; k++) {
                assertEquals(123f, grad.get(s, k), "rows past the active ones are not written");
            }
        }
        // Swapping back restores the full gradient in sample order.
        ws.swapRows(3, 4);
        ws.swapRows(1, 5);
        ws.swapRows(0, 3);
        ws.reconstructionGradient(toM(x), grad);
        assertClose("full gradient after swapping back", numGrad(z -> RefMath.reconstruction(ref, y, z), copy(x), H),
                toD(grad), REL, 0);
    }

    @Test
    void linearPartialRowsAfterSwaps() {
        Random rng = new Random(13);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] x = random(N, L, -0.5, 1.5, rng);
        checkPartialRowsAfterSwaps(new LinearDecoder(toM(w)), RefMath.linear(w), x, y);
    }

    @Test
    void mlpPartialRowsAfterSwaps() {
        MlpCase c = mlpCase(23, 0, 1.5, 0.02);
        double[][] y = random(N, D, -1, 1, new Random(24));
        checkPartialRowsAfterSwaps(c.decoder(), RefMath.mlp(c.w1(), c.b1(), c.w2()), c.z(), y);
    }

    // ---------------------------------------------------------------- decoder backwardMse

    @Test
    void linearBackwardMse() {
        Random rng = new Random(31);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] z = random(N, L, 0, 1.5, rng);
        Decoder.Workspace ws = new LinearDecoder(toM(w)).workspace(N);
        Matrix zm = toM(z);
        Matrix ym = toM(y);
        Matrix recon = ws.decode(zm);
        double[][] expectedRecon = new double[N][];
        for (int i = 0; i < N; i++) {
            expectedRecon[i] = RefMath.mul(w, z[i]);
        }
        assertClose("linear decode", expectedRecon, toD(recon), 1e-5, 1e-6);
        double loss = ws.backwardMse(zm, ym);
        double expectedLoss = RefMath.reconstruction(RefMath.linear(w), y, z) / N;
        assertEquals(expectedLoss, loss, 1e-5 * expectedLoss);
        double[][] gw = numGrad(p -> RefMath.reconstruction(RefMath.linear(p), y, z) / N, copy(w), H);
        assertClose("dL/dW", gw, toD(ws.gradients().get(0)), REL, 0);
    }

    @Test
    void mlpBackwardMse() {
        MlpCase c = mlpCase(41, 0, 1.5, 0.02);
        double[][] y = random(N, D, -1, 1, new Random(42));
        double[][] z = c.z();
        Decoder.Workspace ws = c.decoder().workspace(N);
        Matrix zm = toM(z);
        Matrix recon = ws.decode(zm);
        double[][] expectedRecon = new double[N][];
        for (int i = 0; i < N; i++) {
            expectedRecon[i] = RefMath.mlp(c.w1(), c.b1(), c.w2()).apply(z[i]);
        }
        assertClose("MLP decode", expectedRecon, toD(recon), 1e-5, 1e-6);
        double loss = ws.backwardMse(zm, toM(y));
        double expectedLoss = RefMath.reconstruction(RefMath.mlp(c.w1(), c.b1(), c.w2()), y, z) / N;
        assertEquals(expectedLoss, loss, 1e-5 * expectedLoss);

        List<Matrix> grads = ws.gradients();
        double[][] gw1 = numGrad(p -> RefMath.reconstruction(RefMath.mlp(p, c.b1(), c.w2()), y, z) / N, copy(c.w1()), H);
        double[][] gb1 = numGrad(p -> RefMath.reconstruction(RefMath.mlp(c.w1(), p[0], c.w2()), y, z) / N,
                new double[][] {c.b1().clone()}, H);
        double[][] gw2 = numGrad(p -> RefMath.reconstruction(RefMath.mlp(c.w1(), c.b1(), p), y, z) / N, copy(c.w2()), H);
        assertClose("dL/dW1", gw1, toD(grads.get(0)), REL, 0);
        assertClose("dL/db1", gb1, toD(grads.get(1)), REL, 0);
        assertClose("dL/dW2", gw2, toD(grads.get(2)), REL, 0);
    }

    // ---------------------------------------------------------------- LISTA encoder

    /** LISTA, independently: u = U y + b; z = relu(u); L times z = relu(u + S z). Also the smallest |pre-activation|. */
    static double[][] lista(double[][] u, double[][] s, double[] b, int iters, double[][] y, double[] minPre) {
        double[][] out = new double[y.length][];
        for (int i = 0; i < y.length; i++) {
            double[] ub = RefMath.mul(u, y[i]);
            double[] z = new double[ub.length];
            for (int k = 0; k < ub.length; k++) {
                ub[k] += b[k];
                minPre[0] = Math.min(minPre[0], Math.abs(ub[k]));
                z[k] = Math.max(0, ub[k]);
            }
            for (int t = 0; t < iters; t++) {
                double[] a = RefMath.mul(s, z);
                for (int k = 0; k < ub.length; k++) {
                    a[k] += ub[k];
                    minPre[0] = Math.min(minPre[0], Math.abs(a[k]));
                    z[k] = Math.max(0, a[k]);
                }
            }
            out[i] = z;
        }
        return out;
    }

    static double encoderLoss(double[][] u, double[][] s, double[] b, int iters, double[][] y, double[][] target) {
        double[][] z = lista(u, s, b, iters, y, new double[] {Double.POSITIVE_INFINITY});
        return RefMath.encoderTerm(z, target) / y.length;
    }

    @Test
    void listaForwardAndBackwardMse() {
        int iters = 3;
        double[][] u = null;
        double[][] s = null;
        double[] b = null;
        double[][] y = null;
        for (long seed = 51; ; seed++) {
            Random rng = new Random(seed);
            u = random(L, D, -0.5, 0.5, rng);
            s = random(L, L, -0.4, 0.4, rng);
            b = random(1, L, -0.3, 0.3, rng)[0];
            y = random(N, D, -1, 1, rng);
            double[] minPre = {Double.POSITIVE_INFINITY};
            double[][] z = lista(u, s, b, iters, y, minPre);
            int active = 0;
            for (double[] zi : z) {
                for (double v : zi) {
                    active += v > 0 ? 1 : 0;
                }
            }
            if (minPre[0] > 0.02 && active > N * L / 4 && active < N * L) {
                break;
            }
            assertTrue(seed < 10_051, "no LISTA case away from the relu kinks");
        }
        double[][] target = random(N, L, 0, 1, new Random(52));
        ListaEncoder enc = new ListaEncoder(toM(u), toM(s), toM(new double[][] {b}), iters);
        ListaEncoder.Workspace ws = enc.workspace(N);
        Matrix ym = toM(y);
        Matrix out = ws.forward(ym);
        double[][] expected = lista(u, s, b, iters, y, new double[] {Double.POSITIVE_INFINITY});
        assertClose("LISTA forward", expected, toD(out), 1e-5, 1e-6);

        double loss = ws.backwardMse(ym, toM(target));
        double expectedLoss = encoderLoss(u, s, b, iters, y, target);
        assertEquals(expectedLoss, loss, 1e-5 * expectedLoss);

        final double[][] fu = u;
        final double[][] fs = s;
        final double[] fb = b;
        final double[][] fy = y;
        double[][] gu = numGrad(p -> encoderLoss(p, fs, fb, iters, fy, target), copy(u), H);
        double[][] gs = numGrad(p -> encoderLoss(fu, p, fb, iters, fy, target), copy(s), H);
        double[][] gb = numGrad(p -> encoderLoss(fu, fs, p[0], iters, fy, target), new double[][] {b.clone()}, H);
        List<Matrix> grads = ws.gradients();
        assertClose("dL/dU", gu, toD(grads.get(0)), REL, 0);
        assertClose("dL/dS", gs, toD(grads.get(1)), REL, 0);
        assertClose("dL/db", gb, toD(grads.get(2)), REL, 0);
    }

    // ---------------------------------------------------------------- one full FISTA gradient step

    /**
     * Codes well inside the positive orthant, with columns of very different spread so that some have
     * s_j < T (hinge active) and some s_j > T.
     */
    static double[][] spreadCodes(Random rng) {
        double[] spread = {0.3, 0.5, 0.9, 3.0, 3.5};
        double[][] z = new double[N][L];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < L; j++) {
                z[i][j] = (float) (3 + spread[j] * (rng.nextDouble() - 0.5));
            }
        }
        return z;
    }

    private static void checkOneFistaStep(Decoder decoder, RefMath.Dec ref, double[][] x0, long seed) {
        Random rng = new Random(seed);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] ze = random(N, L, 0, 4, rng);
        double beta = 2;
        double t = 0.5;
        double gamma = 3;
        double eta = 0.05;
        int below = 0;
        for (double s : RefMath.columnStd(x0)) {
            below += s < t ? 1 : 0;
        }
        assertTrue(below > 0 && below < L, "need components on both sides of T, got " + below + " below");

        Decoder.Workspace ws = decoder.workspace(N);
        ws.bind(toM(y));
        Fista fista = Devices.cpu().fista(N, L);
        FistaParams p = new FistaParams(0, beta, t, gamma, eta, 1, 1e-9);
        Matrix z = fista.solve(ws, toM(x0), toM(ze), p);
        assertEquals(1, fista.iterations());

        double[][] g = numGrad(v -> RefMath.smoothEnergy(ref, y, v, ze, beta, t, gamma), copy(x0), H);
        double[][] expectedZ = new double[N][L];
        double[][] impliedGrad = new double[N][L];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < L; j++) {
                expectedZ[i][j] = x0[i][j] - eta * g[i][j];
                assertTrue(expectedZ[i][j] > 0.1, "the projection max(0, .) must be inactive for this check");
                impliedGrad[i][j] = (x0[i][j] - z.get(i, j)) / eta;
            }
        }
        assertClose("FISTA step result", expectedZ, toD(z), 1e-5, 0);
        // The same, scaled to the gradient: the step's implied gradient against the numerical one.
        assertClose("FISTA step gradient", g, impliedGrad, 2e-3, 0);
    }

    @Test
    void fistaStepLinearDecoder() {
        Random rng = new Random(61);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        double[][] x0 = spreadCodes(rng);
        checkOneFistaStep(new LinearDecoder(toM(w)), RefMath.linear(w), x0, 62);
    }

    @Test
    void fistaStepMlpDecoder() {
        // codes around 3 with the spreads of spreadCodes; find MLP weights whose pre-activations avoid 0 there
        double[][] x0 = spreadCodes(new Random(71));
        MlpCase c = null;
        for (long s = 72; c == null; s++) {
            MlpCase cand = mlpCase(s, 0, 1, 0); // weights only; codes replaced below
            double min = Double.POSITIVE_INFINITY;
            int negative = 0;
            for (double[] zi : x0) {
                double[] a = RefMath.mul(cand.w1(), zi);
                for (int k = 0; k < M; k++) {
                    double v = a[k] + cand.b1()[k];
                    min = Math.min(min, Math.abs(v));
                    negative += v < 0 ? 1 : 0;
                }
            }
            if (min > 0.05 && negative > 0 && negative < N * M) {
                c = cand;
            }
            assertTrue(s < 20_000, "no MLP weights away from the kinks");
        }
        checkOneFistaStep(c.decoder(), RefMath.mlp(c.w1(), c.b1(), c.w2()), x0, 73);
    }
}
