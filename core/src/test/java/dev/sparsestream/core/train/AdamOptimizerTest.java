package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparsestream.core.tensor.Matrix;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamOptimizer against PyTorch's Adam (torch.optim.Adam, L2 weight decay) computed here in double. */
class AdamOptimizerTest {
    static final double B1 = 0.9;
    static final double B2 = 0.999;
    static final double EPS = 1e-8;

    /** PyTorch's Adam for one tensor, in double. */
    static final class TorchAdam {
        final double[] p;
        final double[] m;
        final double[] v;
        final double wd;
        int t;

        TorchAdam(float[] p0, double wd) {
            p = new double[p0.length];
            for (int i = 0; i < p0.length; i++) {
                p[i] = p0[i];
            }
            m = new double[p0.length];
            v = new double[p0.length];
            this.wd = wd;
        }

        void step(double[] g, double lr) {
            t++;
            double bc1 = 1 - Math.pow(B1, t);
            double bc2 = 1 - Math.pow(B2, t);
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] + wd * p[i];
                m[i] = B1 * m[i] + (1 - B1) * gi;
                v[i] = B2 * v[i] + (1 - B2) * gi * gi;
                double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + EPS;
                p[i] -= lr / bc1 * m[i] / denom;
            }
        }
    }

    /** Gradients for step t (1-based): normal-sized, tiny (~1e-9, where eps dominates) and sign changes. */
    static double[] gradient(int t, int size, int salt) {
        double[] g = new double[size];
        for (int i = 0; i < size; i++) {
            double base = Math.sin(1.3 * t + 0.7 * i + salt);
            g[i] = switch (i % 3) {
                case 0 -> 0.5 * base;            // ordinary
                case 1 -> 1e-9 * (1 + base);     // tiny, comparable to eps
                default -> (t % 2 == 0 ? -1 : 1) * 3e-3 * (i + 1); // alternating sign
            };
        }
        return g;
    }

    static Matrix toMatrix(double[] g, int rows, int cols) {
        float[] f = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            f[i] = (float) g[i];
        }
        return Matrix.of(rows, cols, f);
    }

    @Test
    void matchesPyTorchAdamIncludingEpsAndWeightDecayAndLearningRateChanges() {
        Matrix p1 = Matrix.of(2, 3, new float[] {0.5f, -0.25f, 1.5f, -2f, 0.125f, 0.75f});
        Matrix p2 = Matrix.of(1, 4, new float[] {0.3f, -0.6f, 0.9f, 1e-3f});
        TorchAdam r1 = new TorchAdam(p1.toArray(), 0);
        TorchAdam r2 = new TorchAdam(p2.toArray(), 0.05);
        float[] start1 = p1.toArray();
        float[] start2 = p2.toArray();
        AdamOptimizer adam = new AdamOptimizer(List.of(p1, p2), new double[] {0, 0.05}, 0.01);
        double lr = 0.01;
        for (int t = 1; t <= 5; t++) {
            if (t == 4) {
                lr = 0.05;
                adam.setLearningRate(lr);
                assertEquals(lr, adam.learningRate());
            }
            double[] g1 = gradient(t, 6, 0);
            double[] g2 = gradient(t, 4, 5);
            // the optimiser sees the float gradients
            for (int i = 0; i < g1.length; i++) {
                g1[i] = (float) g1[i];
            }
            for (int i = 0; i < g2.length; i++) {
                g2[i] = (float) g2[i];
            }
            adam.step(List.of(toMatrix(g1, 2, 3), toMatrix(g2, 1, 4)));
            r1.step(g1, lr);
            r2.step(g2, lr);
            assertEquals(t, adam.steps());
            assertParams("p1 after step " + t, r1.p, start1, p1.toArray());
            assertParams("p2 after step " + t, r2.p, start2, p2.toArray());
        }
        // m to float precision; v to 3e-5: ND4J forms 1 - beta2 in float32 from float(0.999) = 0.99900001287, i.e.
        // 0.00099998713, 1.3e-5 below PyTorch's 1 - beta2 (its bias correction uses the same beta2, so the updates
        // above agree to a few 1e-6).
        float[][] mom = adam.moments(1);
        for (int i = 0; i < 4; i++) {
            assertEquals(r2.m[i], mom[0][i], 2e-6 * Math.abs(r2.m[i]) + 1e-12, "m[" + i + "]");
            assertEquals(r2.v[i], mom[1][i], 3e-5 * Math.abs(r2.v[i]) + 1e-20, "v[" + i + "]");
        }
    }

    /**
     * Parameters to 1e-6 relative, plus 2e-5 of the distance travelled: ND4J's Adam runs in float32 (moments and
     * bias corrections), which puts a few 1e-6 of relative error on each update (measured up to 3.3e-6), visible on
     * a parameter that has crossed zero. Getting eps's placement wrong changes the tiny-gradient updates by a
     * factor (see tinyGradientsGiveTheEpsDampedStepOfPyTorch), far outside this.
     */
    static void assertParams(String what, double[] expected, float[] start, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            double travelled = Math.abs(expected[i] - start[i]);
            assertEquals(expected[i], actual[i], 1e-6 * Math.abs(expected[i]) + 2e-5 * travelled + 1e-9,
                    what + " [" + i + "]");
            // the displacement itself, so the tiny-gradient (eps-dominated) entries are checked too
            assertEquals(expected[i] - start[i], actual[i] - start[i], 2e-5 * travelled + 2e-7 * Math.abs(start[i]) + 1e-9,
                    what + " displacement [" + i + "]");
        }
    }

    @Test
    void aLargeParameterSplitAcrossCoresAndChunksGetsEveryElementUpdatedOnce() {
        // 150,003 elements: above the size from which the CPU device splits Adam across cores, and a multiple of
        // neither its chunk nor the number of parts, so a skipped or repeated range shows at a boundary. The
        // reference is the float32 formula of torch.optim.Adam's single-tensor path, one element at a time: every
        // element must come out bit for bit (the test above checks that formula against double arithmetic).
        int rows = 3;
        int cols = 50_001;
        int size = rows * cols;
        Matrix p = toMatrix(gradient(0, size, 9), rows, cols);
        float[] rp = p.toArray();
        float[] rm = new float[size];
        float[] rv = new float[size];
        float wd = 0.01f;
        double lr = 0.02;
        AdamOptimizer adam = new AdamOptimizer(List.of(p), new double[] {wd}, lr);
        for (int t = 1; t <= 3; t++) {
            double[] g = gradient(t, size, 2);
            adam.step(List.of(toMatrix(g, rows, cols)));
            float stepSize = (float) (lr / (1 - Math.pow(B1, t)));
            float bc2 = (float) Math.sqrt(1 - Math.pow(B2, t));
            for (int i = 0; i < size; i++) {
                float gi = (float) g[i] + wd * rp[i];
                rm[i] = rm[i] + (float) (1 - B1) * (gi - rm[i]);
                rv[i] = (float) B2 * rv[i] + (float) (1 - B2) * gi * gi;
                rp[i] = rp[i] - stepSize * (rm[i] / ((float) Math.sqrt(rv[i]) / bc2 + (float) EPS));
            }
            float[] actual = p.toArray();
            for (int i = 0; i < size; i++) {
                assertEquals(rp[i], actual[i], "parameter " + i + " after step " + t);
            }
        }
        float[][] mom = adam.moments(0);
        for (int i = 0; i < size; i++) {
            assertEquals(rm[i], mom[0][i], "m[" + i + "]");
            assertEquals(rv[i], mom[1][i], "v[" + i + "]");
        }
    }

    @Test
    void tinyGradientsGiveTheEpsDampedStepOfPyTorch() {
        // With g = 1e-9 and eps = 1e-8 the first step is lr * g / (|g| + eps) = lr / 11, not lr (eps ignored)
        // nor lr * sqrt(1 - beta2) ... (eps without PyTorch's bias correction).
        Matrix p = Matrix.of(1, 1, new float[] {1f});
        AdamOptimizer adam = new AdamOptimizer(List.of(p), new double[] {0}, 0.1);
        adam.step(List.of(Matrix.of(1, 1, new float[] {1e-9f})));
        double g = (double) 1e-9f;
        assertEquals(1 - 0.1 * g / (g + 1e-8), p.get(0, 0), 1e-7);
    }

    @Test
    void zeroLearningRateLeavesParametersAndValidates() {
        Matrix p = Matrix.of(1, 2, new float[] {1f, 2f});
        AdamOptimizer adam = new AdamOptimizer(List.of(p), new double[] {0}, 0.1);
        adam.setLearningRate(0);
        adam.step(List.of(Matrix.of(1, 2, new float[] {0.5f, -0.5f})));
        assertEquals(1f, p.get(0, 0));
        assertEquals(2f, p.get(0, 1));
        assertThrows(IllegalArgumentException.class, () -> adam.setLearningRate(-1));
        assertThrows(IllegalArgumentException.class, () -> adam.step(List.of()));
        assertThrows(IllegalArgumentException.class, () -> adam.step(List.of(Matrix.zeros(2, 1))));
        assertThrows(IllegalArgumentException.class, () -> new AdamOptimizer(List.of(p), new double[] {0, 0}, 0.1));
    }
}
