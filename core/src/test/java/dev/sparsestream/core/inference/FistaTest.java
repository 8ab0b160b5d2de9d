package dev.sparsestream.core.inference;

import static dev.sparsestream.core.inference.RefMath.assertClose;
import static dev.sparsestream.core.inference.RefMath.copy;
import static dev.sparsestream.core.inference.RefMath.random;
import static dev.sparsestream.core.inference.RefMath.toD;
import static dev.sparsestream.core.inference.RefMath.toM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.LinearDecoder;
import dev.sparsestream.core.model.MlpDecoder;
import dev.sparsestream.core.tensor.Matrix;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FISTA against optimality conditions and against independent double-precision solvers written here. */
class FistaTest {
    static final int N = 8;
    static final int D = 7;
    static final int L = 5;

    /** (2/d) W^T (W z_i - y_i) for every row: the gradient of sum_i mean_p (y_i - W z_i)^2. */
    static double[][] reconGrad(double[][] w, double[][] y, double[][] z) {
        int d = w.length;
        int l = w[0].length;
        double[][] g = new double[z.length][l];
        for (int i = 0; i < z.length; i++) {
            double[] r = RefMath.mul(w, z[i]);
            for (int p = 0; p < d; p++) {
                r[p] -= y[i][p];
            }
            for (int k = 0; k < l; k++) {
                double s = 0;
                for (int p = 0; p < d; p++) {
                    s += w[p][k] * r[p];
                }
                g[i][k] = 2 * s / d;
            }
        }
        return g;
    }

    /** Gradient of the smooth energy (linear decoder), derived independently of the main code. */
    static double[][] smoothGrad(double[][] w, double[][] y, double[][] z, double[][] ze, double beta, double t,
                                 double gamma) {
        int n = z.length;
        int l = z[0].length;
        double[][] g = reconGrad(w, y, z);
        if (beta > 0) {
            double[] s = RefMath.columnStd(z);
            for (int j = 0; j < l; j++) {
                if (s[j] > 0 && s[j] < t) {
                    double mu = 0;
                    for (double[] row : z) {
                        mu += row[j];
                    }
                    mu /= n;
                    // d/dz_ij beta (T - s_j)^2 = -2 beta (T - s_j) ds_j/dz_ij, ds_j/dz_ij = (z_ij - mu_j) / ((n-1) s_j)
                    double c = -2 * beta * (t - s[j]) / ((n - 1) * s[j]);
                    for (int i = 0; i < n; i++) {
                        g[i][j] += c * (z[i][j] - mu);
                    }
                }
            }
        }
        if (gamma > 0) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < l; k++) {
                    g[i][k] += 2 * gamma / l * (z[i][k] - ze[i][k]);
                }
            }
        }
        return g;
    }

    /** Largest eigenvalue of W^T W by power iteration. */
    static double lambdaMax(double[][] w) {
        int l = w[0].length;
        double[] v = new double[l];
        java.util.Arrays.fill(v, 1);
        double ev = 0;
        for (int it = 0; it < 2000; it++) {
            double[] wv = RefMath.mul(w, v);
            double[] u = new double[l];
            for (int k = 0; k < l; k++) {
                for (int p = 0; p < w.length; p++) {
                    u[k] += w[p][k] * wv[p];
                }
            }
            double norm = 0;
            for (double x : u) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            ev = norm;
            for (int k = 0; k < l; k++) {
                v[k] = u[k] / norm;
            }
        }
        return ev;
    }

    /**
     * Non-negative FISTA in double precision with the per-sample stopping rule and the freezing of
     * converged samples that Fista's Javadoc describes. Results in z, steps, iterations.
     */
    static final class RefFista {
        double[][] z;
        int[] steps;
        int iterations;

        RefFista(double[][] w, double[][] y, double[][] z0, double[][] ze, double lambda, double beta, double t,
                 double gamma, double eta, int maxSteps, double tol) {
            int n = z0.length;
            int l = z0[0].length;
            z = copy(z0);
            double[][] x = copy(z0);
            boolean[] conv = new boolean[n];
            steps = new int[n];
            double tk = 1;
            int active = n;
            int k = 0;
            while (k < maxSteps && active > 0) {
                k++;
                double[][] g = smoothGrad(w, y, x, ze, beta, t, gamma);
                double tNext = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
                double mom = (tk - 1) / tNext;
                tk = tNext;
                for (int i = 0; i < n; i++) {
                    if (conv[i]) {
                        continue;
                    }
                    double diff2 = 0;
                    double old2 = 0;
                    for (int j = 0; j < l; j++) {
                        double zOld = z[i][j];
                        double zNew = Math.max(0, x[i][j] - eta * g[i][j] - lambda * eta);
                        diff2 += (zNew - zOld) * (zNew - zOld);
                        old2 += zOld * zOld;
                        z[i][j] = zNew;
                        x[i][j] = zNew + mom * (zNew - zOld);
                    }
                    if (diff2 < tol * tol * old2 || (old2 == 0 && diff2 == 0)) {
                        conv[i] = true;
                        active--;
                        x[i] = z[i].clone();
                    } else {
                        steps[i]++;
                    }
                }
            }
            iterations = k;
        }

        double meanSteps() {
            double s = 0;
            for (int v : steps) {
                s += v;
            }
            return s / steps.length;
        }
    }

    record Problem(double[][] w, double[][] y, double[][] z0, double[][] ze) {
    }

    static Problem problem(long seed) {
        Random rng = new Random(seed);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] z0 = random(N, L, 0, 1, rng);
        double[][] ze = random(N, L, 0, 1, rng);
        return new Problem(w, y, z0, ze);
    }

    static Matrix solve(Fista fista, Problem pr, FistaParams p) {
        Decoder.Workspace ws = new LinearDecoder(toM(pr.w())).workspace(N);
        ws.bind(toM(pr.y()));
        return fista.solve(ws, toM(pr.z0()), p.gamma() > 0 ? toM(pr.ze()) : null, p);
    }

    /**
     * Independent: plain projected proximal gradient (ISTA) in double, with a step well inside 1/L, from z0
     * until it stops moving.
     */
    static double[][] independentMinimum(Problem pr, double lambda, double beta, double t, double gamma, double step,
                                         int maxIterations) {
        double[][] z = copy(pr.z0());
        for (int it = 0; it < maxIterations; it++) {
            double[][] g = smoothGrad(pr.w(), pr.y(), z, pr.ze(), beta, t, gamma);
            double change = 0;
            for (int i = 0; i < N; i++) {
                for (int k = 0; k < L; k++) {
                    double v = Math.max(0, z[i][k] - step * g[i][k] - step * lambda);
                    change = Math.max(change, Math.abs(v - z[i][k]));
                    z[i][k] = v;
                }
            }
            if (change < 1e-13) {
                break;
            }
        }
        return z;
    }

    // ---------------------------------------------------------------- optimality

    @Test
    void nonNegativeLassoKkt() {
        Random rng = new Random(1);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        // y = W z_true + noise with a sparse non-negative z_true
        double[][] y = new double[N][D];
        for (int i = 0; i < N; i++) {
            double[] zt = new double[L];
            for (int k = 0; k < L; k++) {
                zt[k] = rng.nextDouble() < 0.4 ? rng.nextDouble() * 2 : 0;
            }
            double[] r = RefMath.mul(w, zt);
            for (int p = 0; p < D; p++) {
                y[i][p] = (float) (r[p] + 0.05 * rng.nextGaussian());
            }
        }
        double lambda = 0.03;
        double eta = 0.9 / (2.0 / D * lambdaMax(w));
        Problem pr = new Problem(w, y, random(N, L, 0, 1, rng), null);
        Fista fista = Devices.cpu().fista(N, L);
        double[][] z = toD(solve(fista, pr, new FistaParams(lambda, 0, 0.5, 0, eta, 5000, 1e-7)));
        double[][] g = reconGrad(w, y, z);
        int pos = 0;
        int zero = 0;
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < L; k++) {
                assertTrue(z[i][k] >= 0, "codes must be non-negative");
                if (z[i][k] > 0) {
                    pos++;
                    assertEquals(0, g[i][k] + lambda, 1e-4, "stationarity at a positive code [" + i + "][" + k + "]");
                } else {
                    zero++;
                    assertTrue(g[i][k] + lambda >= -1e-4, "at a zero code the gradient must not point into z > 0: "
                            + (g[i][k] + lambda));
                }
            }
        }
        assertTrue(pos > 3 && zero > 3, "the problem must have both active and inactive codes: " + pos + ", " + zero);
    }

    @Test
    void reachesTheMinimumOfAnIndependentSolverWithHingeAndEncoderTerm() {
        Problem pr = problem(2);
        double lambda = 0.01;
        double beta = 1;
        double t = 0.5;
        double gamma = 0.5;
        double[][] w = pr.w();
        double[][] y = pr.y();
        double[][] ze = pr.ze();
        RefMath.Dec dec = RefMath.linear(w);

        // First make sure the hand-derived gradient used by the independent solver is right.
        double[][] gNum = RefMath.numGrad(v -> RefMath.smoothEnergy(dec, y, v, ze, beta, t, gamma), copy(pr.z0()), 1e-6);
        assertClose("independent gradient", gNum, smoothGrad(w, y, pr.z0(), ze, beta, t, gamma), 1e-6, 0);

        double[][] z = independentMinimum(pr, lambda, beta, t, gamma, 0.05, 400_000);
        double eRef = RefMath.energy(dec, y, z, ze, lambda, beta, t, gamma);
        double eStart = RefMath.energy(dec, y, pr.z0(), ze, lambda, beta, t, gamma);
        int hingeActive = 0;
        for (double s : RefMath.columnStd(z)) {
            hingeActive += s > 0 && s < t ? 1 : 0;
        }
        assertTrue(hingeActive > 0, "the hinge must be active at the solution for this test to mean something");

        Fista fista = Devices.cpu().fista(N, L);
        Matrix zf = solve(fista, pr, new FistaParams(lambda, beta, t, gamma, 0.1, 5000, 1e-7));
        double eFista = RefMath.energy(dec, y, toD(zf), ze, lambda, beta, t, gamma);
        assertTrue(eStart - eRef > 0.05 * eRef, "the start must be far from the minimum: " + eStart + " vs " + eRef);
        assertEquals(eRef, eFista, 1e-3 * eRef, "FISTA energy " + eFista + ", independent minimum " + eRef);
        // Energy.of on the same codes agrees with the independent energy too.
        Matrix recon = new LinearDecoder(toM(w)).workspace(N).decode(zf);
        Energy e = Energy.of(zf, recon, toM(y), toM(ze), new FistaParams(lambda, beta, t, gamma, 0.1, 5000, 1e-7));
        assertEquals(eFista, e.total(), 1e-5 * eFista);
        assertEquals(RefMath.reconstruction(dec, y, toD(zf)), e.reconstruction(), 1e-5 * eFista);
        assertEquals(beta * RefMath.hinge(toD(zf), t), e.hinge(), 1e-5 * eFista);
        assertEquals(gamma * RefMath.encoderTerm(toD(zf), ze), e.encoder(), 1e-5 * eFista);
        assertEquals(lambda * RefMath.l1(toD(zf)), e.sparsity(), 1e-5 * eFista);
    }

    // ---------------------------------------------------------------- the iteration and the stopping rule

    @Test
    void maxStepsIsRespectedAndTheIterationMatchesAnIndependentFista() {
        Problem pr = problem(3);
        double lambda = 0.01;
        double beta = 1;
        double t = 0.5;
        double gamma = 0.5;
        double eta = 0.1;
        for (int k : new int[] {1, 2, 7, 25}) {
            Fista fista = Devices.cpu().fista(N, L);
            Matrix z = solve(fista, pr, new FistaParams(lambda, beta, t, gamma, eta, k, 1e-12));
            assertEquals(k, fista.iterations());
            RefFista ref = new RefFista(pr.w(), pr.y(), pr.z0(), pr.ze(), lambda, beta, t, gamma, eta, k, 1e-12);
            assertEquals(k, ref.iterations);
            // With a tiny tolerance only a sample whose code becomes all zero (0 -> 0) converges early.
            assertEquals(ref.meanSteps(), fista.meanSteps(), 0.13);
            assertTrue(fista.meanSteps() > k - 2);
            assertClose("codes after " + k + " steps", ref.z, toD(z), 1e-4, 0);
        }
    }

    @Test
    void perSampleStoppingAndMeanStepsAgreeWithAnIndependentFista() {
        Problem pr = problem(4);
        double lambda = 0.01;
        double beta = 1;
        double t = 0.5;
        double gamma = 0.5;
        double eta = 0.1;
        double tol = 1e-3;
        Fista fista = Devices.cpu().fista(N, L);
        Matrix z = solve(fista, pr, new FistaParams(lambda, beta, t, gamma, eta, 200, tol));
        RefFista ref = new RefFista(pr.w(), pr.y(), pr.z0(), pr.ze(), lambda, beta, t, gamma, eta, 200, tol);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int s : ref.steps) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        assertTrue(min < max && ref.iterations < 200, "samples must converge at different steps before K");
        // float vs double may move a threshold crossing by a step for a sample
        assertEquals(ref.meanSteps(), fista.meanSteps(), 0.3);
        assertEquals(ref.iterations, fista.iterations(), 2);
        assertTrue(fista.meanSteps() < fista.iterations());
        assertClose("codes", ref.z, toD(z), 5e-3, 0);
    }

    @Test
    void meanStepsCountsStepsBeforeConvergenceAndZeroSamplesConvergeAtOnce() {
        Problem base = problem(5);
        double[][] y = copy(base.y());
        double[][] z0 = copy(base.z0());
        double[][] ze = copy(base.ze());
        int[] zeroRows = {0, 5};
        for (int i : zeroRows) {
            java.util.Arrays.fill(y[i], 0);
            java.util.Arrays.fill(z0[i], 0);
            java.util.Arrays.fill(ze[i], 0);
        }
        Problem pr = new Problem(base.w(), y, z0, ze);
        Fista fista = Devices.cpu().fista(N, L);
        // beta = 0: the rows are independent, so a zero row has zero gradient and stays 0 -> 0 (converged at step 1,
        // no step counted); the others never meet a tiny tolerance and run all 20 steps.
        Matrix z = solve(fista, pr, new FistaParams(0.01, 0, 0.5, 0.5, 0.1, 20, 1e-12));
        assertEquals(20, fista.iterations());
        assertEquals(20.0 * (N - zeroRows.length) / N, fista.meanSteps(), 1e-12);
        for (int i : zeroRows) {
            for (int k = 0; k < L; k++) {
                assertEquals(0f, z.get(i, k));
            }
        }
    }

    @Test
    void startingAtTheOptimumConvergesInOneStep() {
        Problem pr = problem(6);
        double lambda = 0.01;
        FistaParams tight = new FistaParams(lambda, 1, 0.5, 0.5, 0.1, 5000, 1e-7);
        Fista fista = Devices.cpu().fista(N, L);
        double[][] opt = toD(solve(fista, pr, tight));
        Problem again = new Problem(pr.w(), pr.y(), opt, pr.ze());
        Matrix z = solve(fista, again, new FistaParams(lambda, 1, 0.5, 0.5, 0.1, 200, 1e-3));
        assertEquals(1, fista.iterations());
        assertEquals(0.0, fista.meanSteps(), 0.0);
        assertClose("codes", opt, toD(z), 1e-5, 0);
    }

    @Test
    void inputsAreNotModified() {
        Problem pr = problem(7);
        Matrix z0 = toM(pr.z0());
        Matrix ze = toM(pr.ze());
        Matrix y = toM(pr.y());
        float[] z0Before = z0.toArray();
        float[] zeBefore = ze.toArray();
        float[] yBefore = y.toArray();
        Decoder.Workspace ws = new LinearDecoder(toM(pr.w())).workspace(N);
        ws.bind(y);
        Fista fista = Devices.cpu().fista(N, L);
        Matrix z = fista.solve(ws, z0, ze, new FistaParams(0.01, 1, 0.5, 0.5, 0.1, 50, 1e-3));
        assertTrue(z != z0 && z != ze);
        assertArrayEquals(z0Before, z0.toArray());
        assertArrayEquals(zeBefore, ze.toArray());
        assertArrayEquals(yBefore, y.toArray());
        assertTrue(!java.util.Arrays.equals(z0Before, z.toArray()), "the solve must have moved the codes");
    }

    // ---------------------------------------------------------------- allocation

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    static void assertNoAllocationPerStep(Decoder decoder, int n, int l) {
        assertNoAllocationPerStep(decoder, n, l, false);
    }

    static void assertNoAllocationPerStep(Decoder decoder, int n, int l, boolean backtracking) {
        Random rng = new Random(8);
        int d = decoder.dataDim();
        Matrix y = toM(random(n, d, -1, 1, rng));
        Matrix z0 = toM(random(n, l, 0, 1, rng));
        Matrix ze = toM(random(n, l, 0, 1, rng));
        Decoder.Workspace ws = decoder.workspace(n);
        ws.bind(y);
        Fista fista = Devices.cpu().fista(n, l);
        FistaParams short10 = new FistaParams(0.01, 1, 0.5, 0.5, 0.05, 10, 1e-30, backtracking);
        FistaParams long200 = new FistaParams(0.01, 1, 0.5, 0.5, 0.05, 200, 1e-30, backtracking);
        for (int w = 0; w < 300; w++) { // warm-up (JIT)
            fista.solve(ws, z0, ze, long200);
        }
        long best10 = Long.MAX_VALUE;
        long best200 = Long.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long a = allocatedBytes();
            fista.solve(ws, z0, ze, short10);
            long b = allocatedBytes();
            fista.solve(ws, z0, ze, long200);
            long c = allocatedBytes();
            assertEquals(200, fista.iterations(), "every step must run");
            best10 = Math.min(best10, b - a);
            best200 = Math.min(best200, c - b);
        }
        // Measured: exactly 0 bytes per step (816 bytes per solve). Any object allocated per step is >= 16 bytes;
        // a bound of 8 (rather than 64) also catches a small array or a boxed value per step.
        double perStep = (best200 - best10) / 190.0;
        assertTrue(perStep < 8, decoder.getClass().getSimpleName() + ": " + perStep + " bytes allocated per FISTA step ("
                + best10 + " bytes for 10 steps, " + best200 + " for 200)");
    }

    @Test
    void linearStepsDoNotAllocate() {
        assertNoAllocationPerStep(LinearDecoder.initialise(16, 32, new Random(9)), 50, 16);
    }

    @Test
    void mlpStepsDoNotAllocate() {
        assertNoAllocationPerStep(MlpDecoder.initialise(16, 24, 32, new Random(10)), 50, 16);
    }
}
