package dev.sparsestream.core.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.tensor.Matrix;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Independent double-precision reference computations for the tests: plain loops over double[][]
 * (row = sample), written from docs/method.md and not from the main code.
 */
public final class RefMath {
    private RefMath() {
    }

    /** A decoder as a plain function of one code vector. */
    public interface Dec {
        double[] apply(double[] z);
    }

    public static double[][] toD(Matrix m) {
        double[][] a = new double[m.rows()][m.cols()];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                a[i][j] = m.get(i, j);
            }
        }
        return a;
    }

    public static Matrix toM(double[][] a) {
        Matrix m = Matrix.zeros(a.length, a[0].length);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                m.set(i, j, (float) a[i][j]);
            }
        }
        return m;
    }

    public static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    public static double[][] random(int rows, int cols, double lo, double hi, Random rng) {
        double[][] a = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                // rounded to float so that the Matrix holds exactly the same numbers
                a[i][j] = (float) (lo + (hi - lo) * rng.nextDouble());
            }
        }
        return a;
    }

    /** y = A x for A (r, c). */
    public static double[] mul(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    public static Dec linear(double[][] w) {
        return z -> mul(w, z);
    }

    /** y = W2 relu(W1 z + b1). */
    public static Dec mlp(double[][] w1, double[] b1, double[][] w2) {
        return z -> {
            double[] h = mul(w1, z);
            for (int k = 0; k < h.length; k++) {
                h[k] = Math.max(0, h[k] + b1[k]);
            }
            return mul(w2, h);
        };
    }

    /** sum_i mean_p (y_i - D(z_i))^2. */
    public static double reconstruction(Dec dec, double[][] y, double[][] z) {
        double total = 0;
        for (int i = 0; i < y.length; i++) {
            double[] r = dec.apply(z[i]);
            double s = 0;
            for (int p = 0; p < y[i].length; p++) {
                double e = y[i][p] - r[p];
                s += e * e;
            }
            total += s / y[i].length;
        }
        return total;
    }

    /** Unbiased std of every column. */
    public static double[] columnStd(double[][] z) {
        int n = z.length;
        int l = z[0].length;
        double[] s = new double[l];
        for (int j = 0; j < l; j++) {
            double mu = 0;
            for (double[] row : z) {
                mu += row[j];
            }
            mu /= n;
            double ss = 0;
            for (double[] row : z) {
                ss += (row[j] - mu) * (row[j] - mu);
            }
            s[j] = Math.sqrt(ss / (n - 1));
        }
        return s;
    }

    /** sum_j [(T - s_j)_+]^2 (unweighted). */
    public static double hinge(double[][] z, double t) {
        double h = 0;
        for (double s : columnStd(z)) {
            double v = Math.max(0, t - s);
            h += v * v;
        }
        return h;
    }

    /** sum_i mean_k (z_ik - zE_ik)^2 (unweighted). */
    public static double encoderTerm(double[][] z, double[][] ze) {
        double total = 0;
        for (int i = 0; i < z.length; i++) {
            double s = 0;
            for (int k = 0; k < z[i].length; k++) {
                double c = z[i][k] - ze[i][k];
                s += c * c;
            }
            total += s / z[i].length;
        }
        return total;
    }

    public static double l1(double[][] z) {
        double s = 0;
        for (double[] row : z) {
            for (double v : row) {
                s += Math.abs(v);
            }
        }
        return s;
    }

    /** The smooth part f of the energy. */
    public static double smoothEnergy(Dec dec, double[][] y, double[][] z, double[][] ze, double beta, double t,
                                      double gamma) {
        double e = reconstruction(dec, y, z);
        if (beta > 0) {
            e += beta * hinge(z, t);
        }
        if (gamma > 0) {
            e += gamma * encoderTerm(z, ze);
        }
        return e;
    }

    /** Full energy: f + lambda sum |z|. */
    public static double energy(Dec dec, double[][] y, double[][] z, double[][] ze, double lambda, double beta,
                                double t, double gamma) {
        return smoothEnergy(dec, y, z, ze, beta, t, gamma) + lambda * l1(z);
    }

    /** Central differences of f at x (x is perturbed in place and restored). */
    public static double[][] numGrad(ToDoubleFunction<double[][]> f, double[][] x, double h) {
        double[][] g = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                double v = x[i][j];
                x[i][j] = v + h;
                double fp = f.applyAsDouble(x);
                x[i][j] = v - h;
                double fm = f.applyAsDouble(x);
                x[i][j] = v;
                g[i][j] = (fp - fm) / (2 * h);
            }
        }
        return g;
    }

    public static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a) {
            for (double v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    /** Every entry within rel * max|expected| (+ abs) of the expected one; expected must not be ~0 overall. */
    public static void assertClose(String what, double[][] expected, double[][] actual, double rel, double abs) {
        double scale = maxAbs(expected);
        assertTrue(scale > 1e-6, what + ": the expected values are all ~0, the check would be vacuous");
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                double err = Math.abs(expected[i][j] - actual[i][j]);
                if (!(err <= rel * scale + abs)) {
                    throw new AssertionError(what + " [" + i + "][" + j + "]: expected " + expected[i][j] + ", got "
                            + actual[i][j] + " (max |expected| " + scale + ")");
                }
            }
        }
    }
}
