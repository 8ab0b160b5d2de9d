package dev.sparsestream.core.patches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** LCN against a direct, unoptimised evaluation of docs/method.md's formulas with the 2-D kernel. */
class LcnTest {

    /** The 13 x 13 kernel written directly: exp(-(dx^2 + dy^2) / (2 sigma^2)), normalised over all 169. */
    static double[][] kernel2d() {
        double[][] k = new double[13][13];
        double sum = 0;
        for (int a = 0; a < 13; a++) {
            for (int b = 0; b < 13; b++) {
                k[a][b] = Math.exp(-((a - 6) * (a - 6) + (b - 6) * (b - 6)) / 50.0);
                sum += k[a][b];
            }
        }
        for (double[] row : k) {
            for (int b = 0; b < 13; b++) {
                row[b] /= sum;
            }
        }
        return k;
    }

    static double[][] valid(double[][] x, double[][] k) {
        int n = x.length - 12;
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int a = 0; a < 13; a++) {
                    for (int b = 0; b < 13; b++) {
                        out[i][j] += k[a][b] * x[i + a][j + b];
                    }
                }
            }
        }
        return out;
    }

    @Test
    void matchesTheFormulasEvaluatedDirectly() {
        int count = 4;
        Random rng = new Random(9);
        float[] crops = new float[count * 52 * 52];
        for (int b = 0; b < count; b++) {
            double contrast = b == 3 ? 0.01 : 1 + b; // crop 3 is nearly flat: its s is floored at the batch mean
            for (int i = 0; i < 52; i++) {
                for (int j = 0; j < 52; j++) {
                    crops[b * 2704 + i * 52 + j] = (float) (contrast * (Math.sin(i * 0.3 + b) * Math.cos(j * 0.2)
                            + 0.3 * rng.nextGaussian()) + 0.1 * b);
                }
            }
        }
        float[] patch = new float[count * 784];
        float[] mean = new float[count * 784];
        float[] std = new float[count * 784];
        Lcn.apply(crops, count, patch, mean, std, new Lcn.Workspace());

        double[][] k = kernel2d();
        double[][][] c = new double[count][][];
        double[][][] s = new double[count][][];
        double[][][] m = new double[count][][];
        double sSum = 0;
        for (int b = 0; b < count; b++) {
            double[][] x = new double[52][52];
            for (int i = 0; i < 52; i++) {
                for (int j = 0; j < 52; j++) {
                    x[i][j] = crops[b * 2704 + i * 52 + j];
                }
            }
            m[b] = valid(x, k);
            c[b] = new double[40][40];
            double[][] c2 = new double[40][40];
            for (int i = 0; i < 40; i++) {
                for (int j = 0; j < 40; j++) {
                    c[b][i][j] = x[i + 6][j + 6] - m[b][i][j];
                    c2[i][j] = c[b][i][j] * c[b][i][j];
                }
            }
            double[][] v = valid(c2, k);
            s[b] = new double[28][28];
            for (int i = 0; i < 28; i++) {
                for (int j = 0; j < 28; j++) {
                    s[b][i][j] = Math.sqrt(v[i][j]);
                    sSum += s[b][i][j];
                }
            }
        }
        double sMean = sSum / (count * 784);
        int floored = 0;
        for (int b = 0; b < count; b++) {
            for (int i = 0; i < 28; i++) {
                for (int j = 0; j < 28; j++) {
                    double sf = Math.max(s[b][i][j] > sMean ? s[b][i][j] : sMean, 1e-4);
                    floored += s[b][i][j] > sMean ? 0 : 1;
                    int o = b * 784 + i * 28 + j;
                    String at = "crop " + b + " pixel " + i + "," + j;
                    assertEquals(sf, std[o], 1e-5 * sf, at);
                    assertEquals(m[b][i + 6][j + 6], mean[o], 1e-5, at);
                    assertEquals(c[b][i + 6][j + 6] / sf, patch[o], 1e-4 * (1 + Math.abs(patch[o])), at);
                    // LCN is undone by patch * s + m
                    double x = crops[b * 2704 + (i + 12) * 52 + j + 12];
                    assertEquals(x, patch[o] * std[o] + mean[o], 1e-4 * (1 + Math.abs(x)), at);
                }
            }
        }
        assertTrue(floored >= 784, "the flat crop is floored everywhere: " + floored);
    }

    @Test
    void pixelStdIsTheUnbiasedStandardDeviation() {
        float[] p = new float[2 * 784];
        double sum = 0;
        for (int i = 0; i < 784; i++) {
            p[784 + i] = (float) Math.sin(i);
            sum += p[784 + i];
        }
        double mean = sum / 784;
        double ss = 0;
        for (int i = 0; i < 784; i++) {
            ss += (p[784 + i] - mean) * (p[784 + i] - mean);
        }
        assertEquals(Math.sqrt(ss / 783), Lcn.pixelStd(p, 1), 1e-9);
        assertEquals(0, Lcn.pixelStd(p, 0), "a constant patch");
    }
}
