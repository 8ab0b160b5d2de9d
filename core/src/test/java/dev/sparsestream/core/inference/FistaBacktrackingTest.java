package dev.sparsestream.core.inference;

import static dev.sparsestream.core.inference.FistaTest.D;
import static dev.sparsestream.core.inference.FistaTest.L;
import static dev.sparsestream.core.inference.FistaTest.N;
import static dev.sparsestream.core.inference.RefMath.random;
import static dev.sparsestream.core.inference.RefMath.toD;
import static dev.sparsestream.core.inference.RefMath.toM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.inference.FistaTest.Problem;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.LinearDecoder;
import dev.sparsestream.core.model.MlpDecoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * FISTA with backtracking (docs/method.md, "Backtracking"): the linearisation gap against energies computed
 * independently in double, the fixed step's floats where eta is short enough, and the minimum where it is not.
 */
class FistaBacktrackingTest {
    static final double LAMBDA = 0.01;
    static final double BETA = 1;
    static final double T = 0.5;
    static final double GAMMA = 0.5;

    static double[][] scaled(double[][] a, double f) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = (float) (a[i][j] * f);
            }
        }
        return c;
    }

    static double[] row(double[][] a) {
        return a[0];
    }

    /** f_i(z) = mean_p (y_i - D(z))^2 of one sample, in double. */
    static double sampleReconstruction(RefMath.Dec dec, double[] y, double[] z) {
        return RefMath.reconstruction(dec, new double[][] {y}, new double[][] {z});
    }

    /** (2/d) J_D(z)^T (D(z) - y) for y~ = W2 relu(W1 z + b1), in double. */
    static double[] mlpGradient(double[][] w1, double[] b1, double[][] w2, double[] y, double[] z) {
        int m = w1.length;
        int d = w2.length;
        double[] a = RefMath.mul(w1, z);
        double[] h = new double[m];
        for (int k = 0; k < m; k++) {
            a[k] += b1[k];
            h[k] = Math.max(0, a[k]);
        }
        double[] r = RefMath.mul(w2, h);
        for (int p = 0; p < d; p++) {
            r[p] = 2.0 / d * (r[p] - y[p]);
        }
        double[] gh = new double[m];
        for (int k = 0; k < m; k++) {
            for (int p = 0; p < d; p++) {
                gh[k] += w2[p][k] * r[p];
            }
            gh[k] = a[k] > 0 ? gh[k] : 0;
        }
        double[] g = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            for (int k = 0; k < m; k++) {
                g[j] += w1[k][j] * gh[k];
            }
        }
        return g;
    }

    @Test
    void theLinearDecodersCurvatureIsTheEnergysRiseAboveItsLinearisation() {
        Random rng = new Random(1);
        double[][] w = random(D, L, -0.6, 0.6, rng);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] x = random(N, L, 0, 1, rng);
        double[][] delta = random(N, L, -0.3, 0.3, rng);
        Decoder.Workspace ws = new LinearDecoder(toM(w)).workspace(N);
        ws.bind(toM(y));
        int rows = N - 3; // the active rows only
        ws.reconstructionGradient(toM(x), Matrix.zeros(N, L), rows);
        double[] gap = new double[N];
        ws.curvatureAlong(toM(delta), rows, gap);
        RefMath.Dec dec = RefMath.linear(w);
        double[][] g = FistaTest.reconGrad(w, y, x);
        for (int i = 0; i < rows; i++) {
            double[] moved = new double[L];
            double along = 0;
            for (int j = 0; j < L; j++) {
                moved[j] = x[i][j] + delta[i][j];
                along += g[i][j] * delta[i][j];
            }
            double expected = sampleReconstruction(dec, y[i], moved) - sampleReconstruction(dec, y[i], x[i]) - along;
            assertTrue(expected > 1e-3, "the step must curve the energy: " + expected);
            assertEquals(expected, gap[i], 1e-5 * expected, "sample " + i);
        }
    }

    @Test
    void theNonLinearDecodersCurvatureIsThatOfItsLinearPiece() {
        Random rng = new Random(2);
        int m = 12;
        double[][] w1 = random(m, L, -0.8, 0.8, rng);
        double[] b1 = row(random(1, m, -0.3, 0.3, rng));
        double[][] w2 = random(D, m, -0.6, 0.6, rng);
        double[][] y = random(N, D, -1, 1, rng);
        double[][] x = random(N, L, 0, 1, rng);
        Decoder.Workspace ws = new MlpDecoder(toM(w1), toM(new double[][] {b1}), toM(w2)).workspace(N);
        ws.bind(toM(y));
        int rows = N - 2;
        ws.reconstructionGradient(toM(x), Matrix.zeros(N, L), rows);
        RefMath.Dec dec = RefMath.mlp(w1, b1, w2);
        for (double size : new double[] {0.4, 0.002}) {
            double[][] delta = random(N, L, -size, size, rng);
            double[] c = new double[N];
            ws.curvatureAlong(toM(delta), rows, c);
            int switched = 0;
            for (int i = 0; i < rows; i++) {
                // Independent: (1/d) ||W2 diag(1[a > 0]) W1 delta||^2 with a = W1 x + b1, in double.
                double[] a = RefMath.mul(w1, x[i]);
                double[] u = RefMath.mul(w1, delta[i]);
                double[] moved = new double[L];
                for (int j = 0; j < L; j++) {
                    moved[j] = x[i][j] + delta[i][j];
                }
                double[] after = RefMath.mul(w1, moved);
                for (int k = 0; k < m; k++) {
                    switched += (a[k] + b1[k] > 0) != (after[k] + b1[k] > 0) ? 1 : 0;
                    u[k] = a[k] + b1[k] > 0 ? u[k] : 0;
                }
                double[] jd = RefMath.mul(w2, u);
                double expected = 0;
                for (double v : jd) {
                    expected += v * v / D;
                }
                assertEquals(expected, c[i], 1e-5 * expected, "size " + size + ", sample " + i);
                if (size < 0.01) { // no ReLU switches: the energy's own rise above its linearisation
                    double[] g = mlpGradient(w1, b1, w2, y[i], x[i]);
                    double along = 0;
                    for (int j = 0; j < L; j++) {
                        along += g[j] * delta[i][j];
                    }
                    double rise = sampleReconstruction(dec, y[i], moved) - sampleReconstruction(dec, y[i], x[i]) - along;
                    assertEquals(rise, c[i], 1e-6 * rise + 1e-12, "sample " + i);
                }
            }
            if (size < 0.01) {
                assertEquals(0, switched, "a step this small must switch no ReLU");
            } else {
                assertTrue(switched > 0, "a step this large must switch ReLUs (left out of the curvature): " + switched);
            }
        }
    }

    @Test
    void withAShortEnoughStepItTakesTheFixedStepsFloats() {
        Problem pr = FistaTest.problem(6);
        double lip = 2.0 / D * FistaTest.lambdaMax(pr.w()) + 2 * GAMMA / L;
        FistaParams fixed = new FistaParams(LAMBDA, BETA, T, GAMMA, 0.9 / lip, 300, 1e-6);
        FistaParams backtracking = new FistaParams(LAMBDA, BETA, T, GAMMA, 0.9 / lip, 300, 1e-6, true);
        Fista a = Devices.cpu().fista(N, L);
        Fista b = Devices.cpu().fista(N, L);
        float[] za = FistaTest.solve(a, pr, fixed).toArray();
        float[] zb = FistaTest.solve(b, pr, backtracking).toArray();
        assertEquals((float) fixed.eta(), b.meanStepSize(), 1e-7, "no step may be halved below 1/L");
        assertArrayEquals(za, zb);
        assertEquals(a.iterations(), b.iterations());
        assertEquals(a.meanSteps(), b.meanSteps());

        // The non-linear decoder: where no step was halved, the same floats too (keepLinearisation changes nothing).
        Random rng = new Random(7);
        MlpDecoder mlp = MlpDecoder.initialise(L, 16, D, rng);
        Matrix y = toM(random(N, D, -1, 1, rng));
        Matrix z0 = toM(random(N, L, 0, 1, rng));
        Matrix ze = toM(random(N, L, 0, 1, rng));
        Decoder.Workspace wa = mlp.workspace(N);
        Decoder.Workspace wb = mlp.workspace(N);
        wa.bind(y);
        wb.bind(y);
        float[] ma = a.solve(wa, z0, ze, new FistaParams(LAMBDA, BETA, T, GAMMA, 0.05, 300, 1e-6)).toArray();
        float[] mb = b.solve(wb, z0, ze, new FistaParams(LAMBDA, BETA, T, GAMMA, 0.05, 300, 1e-6, true)).toArray();
        assertEquals(0.05f, b.meanStepSize(), 1e-9);
        assertArrayEquals(ma, mb);
    }

    /** The minimum of the energy with the linear decoder pr.w(), by projected proximal gradient in double. */
    static double[][] independentMinimum(Problem pr) {
        double lip = 2.0 / pr.w().length * FistaTest.lambdaMax(pr.w()) + 2 * GAMMA / L;
        return FistaTest.independentMinimum(pr, LAMBDA, BETA, T, GAMMA, 0.2 / lip, 2_000_000);
    }

    @Test
    void whereTheFixedStepOvershootsBacktrackingReachesTheIndependentMinimum() {
        Problem base = FistaTest.problem(5);
        double[][] w = scaled(base.w(), 4);
        Problem pr = new Problem(w, base.y(), base.z0(), base.ze());
        double lip = 2.0 / D * FistaTest.lambdaMax(w) + 2 * GAMMA / L;
        double eta = 0.5;
        assertTrue(eta * lip > 3, "eta must be well past 2/L for the fixed step to diverge: " + eta * lip);
        RefMath.Dec dec = RefMath.linear(w);
        double eRef = RefMath.energy(dec, pr.y(), independentMinimum(pr), pr.ze(), LAMBDA, BETA, T, GAMMA);

        Fista fixedFista = Devices.cpu().fista(N, L);
        double[][] zFixed = toD(FistaTest.solve(fixedFista, pr, new FistaParams(LAMBDA, BETA, T, GAMMA, eta, 500, 1e-7)));
        double eFixed = RefMath.energy(dec, pr.y(), zFixed, pr.ze(), LAMBDA, BETA, T, GAMMA);
        assertFalse(eFixed < 2 * eRef, "the fixed step must fail here (energy " + eFixed + ", minimum " + eRef + ")");
        assertEquals(500, fixedFista.iterations());

        Fista bt = Devices.cpu().fista(N, L);
        double[][] zBt = toD(FistaTest.solve(bt, pr, new FistaParams(LAMBDA, BETA, T, GAMMA, eta, 500, 1e-7, true)));
        double eBt = RefMath.energy(dec, pr.y(), zBt, pr.ze(), LAMBDA, BETA, T, GAMMA);
        assertEquals(eRef, eBt, 1e-4 * eRef, "backtracking's energy " + eBt + ", independent minimum " + eRef);
        assertTrue(bt.iterations() < 500, "it must converge: " + bt.iterations() + " steps");
        // Beck and Teboulle: a halved step never falls below 1/(2 L) (the hinge's curvature is small here).
        assertTrue(bt.meanStepSize() < eta / 2 && bt.meanStepSize() >= 0.5 / lip,
                "mean step " + bt.meanStepSize() + " against eta " + eta + " and 1/(2L) " + 0.5 / lip);
    }

    @Test
    void aNonLinearDecoderThatOutgrewEtaReachesTheIndependentMinimum() {
        // What VDL-NL's training does over ~20 epochs: its weights grow until eta = 0.5 overshoots. Here b1 keeps
        // every hidden unit active, so the decoder is the affine W2 (W1 z + b1) and its minimum is a lasso's.
        Random rng = new Random(11);
        int m = 24;
        double[][] w1 = random(m, L, -0.5, 0.5, rng);
        double[] b1 = new double[m];
        java.util.Arrays.fill(b1, 4);
        double[][] w2 = random(D, m, -1.8, 1.8, rng);
        RefMath.Dec dec = RefMath.mlp(w1, b1, w2);
        double[][] y = new double[N][]; // decoded codes in [0, 1] plus noise: the minimum's codes stay near there
        for (int i = 0; i < N; i++) {
            y[i] = dec.apply(random(1, L, 0, 1, rng)[0]);
            for (int p = 0; p < D; p++) {
                y[i][p] = (float) (y[i][p] + 0.3 * rng.nextGaussian());
            }
        }
        double[][] yShifted = new double[N][];
        double[] offset = RefMath.mul(w2, b1);
        double[][] w = new double[D][L]; // W2 W1
        for (int p = 0; p < D; p++) {
            for (int j = 0; j < L; j++) {
                for (int k = 0; k < m; k++) {
                    w[p][j] += w2[p][k] * w1[k][j];
                }
            }
        }
        for (int i = 0; i < N; i++) {
            yShifted[i] = new double[D];
            for (int p = 0; p < D; p++) {
                yShifted[i][p] = y[i][p] - offset[p];
            }
        }
        Problem pr = new Problem(w, yShifted, random(N, L, 0, 1, rng), random(N, L, 0, 1, rng));
        double lip = 2.0 / D * FistaTest.lambdaMax(w) + 2 * GAMMA / L;
        assertTrue(0.5 * lip > 3, "eta 0.5 must be well past 2/L: " + 0.5 * lip);
        double[][] zRef = independentMinimum(pr);
        double eRef = RefMath.energy(dec, y, zRef, pr.ze(), LAMBDA, BETA, T, GAMMA);
        assertEquals(RefMath.energy(RefMath.linear(w), yShifted, zRef, pr.ze(), LAMBDA, BETA, T, GAMMA), eRef, 1e-9 * eRef,
                "every unit must be active at the minimum for the decoder to be affine there");

        MlpDecoder mlp = new MlpDecoder(toM(w1), toM(new double[][] {b1}), toM(w2));
        double[] energies = new double[2];
        Fista[] fistas = {Devices.cpu().fista(N, L), Devices.cpu().fista(N, L)};
        for (int v = 0; v < 2; v++) {
            Decoder.Workspace ws = mlp.workspace(N);
            ws.bind(toM(y));
            double[][] z = toD(fistas[v].solve(ws, toM(pr.z0()), toM(pr.ze()),
                    new FistaParams(LAMBDA, BETA, T, GAMMA, 0.5, 3000, 1e-7, v == 1)));
            energies[v] = RefMath.energy(dec, y, z, pr.ze(), LAMBDA, BETA, T, GAMMA);
        }
        assertFalse(energies[0] < 2 * eRef, "the fixed step must fail here: " + energies[0] + ", minimum " + eRef);
        assertEquals(eRef, energies[1], 1e-4 * eRef, "backtracking's energy " + energies[1] + ", minimum " + eRef);
        // Slowly (its W2 W1 is ill-conditioned), but to the end: a halved step never falls below 1/(2 L).
        assertTrue(fistas[1].iterations() < 3000, "backtracking must converge: " + fistas[1].iterations() + " steps");
        assertTrue(fistas[1].meanStepSize() < 0.25 && fistas[1].meanStepSize() >= 0.5 / lip, "step " + fistas[1].meanStepSize());
    }

    @Test
    void theSettingsOfARunKeepBacktrackingThroughALambdaChange() {
        ModelConfig.Builder b = Presets.mnist(Family.VDL_NL).toBuilder();
        b.backtracking = true;
        FistaParams p = FistaParams.of(b.build());
        assertTrue(p.backtracking());
        FistaParams changed = p.withLambda(0.05); // what a lambda change and a resumed run's lambda do
        assertEquals(new FistaParams(0.05, p.beta(), p.hingeT(), p.gamma(), p.eta(), p.maxSteps(), p.tolerance(), true),
                changed);
        assertFalse(FistaParams.of(Presets.mnist(Family.VDL_NL)).backtracking(), "off in the paper's settings");
    }

    @Test
    void backtrackingStepsDoNotAllocate() {
        FistaTest.assertNoAllocationPerStep(LinearDecoder.initialise(16, 32, new Random(9)), 50, 16, true);
        FistaTest.assertNoAllocationPerStep(MlpDecoder.initialise(16, 24, 32, new Random(10)), 50, 16, true);
    }
}
