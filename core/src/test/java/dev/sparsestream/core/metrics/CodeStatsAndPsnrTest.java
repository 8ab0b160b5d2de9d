package dev.sparsestream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.tensor.Matrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CodeStatsAndPsnrTest {

    @Test
    void codeStatsHandComputed() {
        // columns: (1,2,3,4) std sqrt(5/3); (0,0,0,0) std 0; (0, 5e-4, 0, 0) std 2.5e-4 (< 1e-3: dead)
        Matrix z = Matrix.of(4, 3, new float[] {
            1, 0, 0,
            2, 0, 5e-4f,
            3, 0, 0,
            4, 0, 0});
        double[] std = CodeStats.componentStd(z);
        double c2 = 5e-4f; // the float value stored
        double mu2 = c2 / 4;
        double std2 = Math.sqrt((3 * mu2 * mu2 + (c2 - mu2) * (c2 - mu2)) / 3);
        assertEquals(Math.sqrt(5.0 / 3), std[0], 1e-12);
        assertEquals(0.0, std[1], 0.0);
        assertEquals(std2, std[2], 1e-12);
        assertEquals(2.5e-4, std2, 1e-9);
        CodeStats s = CodeStats.of(z);
        assertEquals(0.0, s.minStd(), 0.0);
        assertEquals((Math.sqrt(5.0 / 3) + std2) / 3, s.meanStd(), 1e-12);
        assertEquals(2, s.deadComponents());
        assertEquals(7.0 / 12, s.sparsity(), 1e-15);
    }

    @Test
    void codeStatsRandomAgainstLoops() {
        Random rng = new Random(3);
        int n = 9;
        int l = 6;
        float[] v = new float[n * l];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble() < 0.4 ? 0f : (float) rng.nextDouble() * (1 + i % l);
        }
        Matrix z = Matrix.of(n, l, v);
        double min = Double.POSITIVE_INFINITY;
        double sum = 0;
        double sparsity = 0;
        for (int j = 0; j < l; j++) {
            double mu = 0;
            for (int i = 0; i < n; i++) {
                mu += v[i * l + j];
            }
            mu /= n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (v[i * l + j] - mu) * (v[i * l + j] - mu);
            }
            double sd = Math.sqrt(ss / (n - 1));
            min = Math.min(min, sd);
            sum += sd;
        }
        for (int i = 0; i < n; i++) {
            int zeros = 0;
            for (int j = 0; j < l; j++) {
                zeros += v[i * l + j] == 0f ? 1 : 0;
            }
            sparsity += (double) zeros / l;
        }
        sparsity /= n;
        CodeStats s = CodeStats.of(z);
        assertEquals(min, s.minStd(), 1e-9);
        assertEquals(sum / l, s.meanStd(), 1e-9);
        assertEquals(0, s.deadComponents());
        assertEquals(sparsity, s.sparsity(), 1e-12);
    }

    static double pixel(double x) {
        return 0.3081 * x + 0.1307;
    }

    @Test
    void psnrHandComputedWithTheZeroMseRule() {
        Matrix target = Matrix.of(3, 3, new float[] {
            0.5f, -0.4f, 2f,
            1f, 0f, -1f,
            0.25f, 0.25f, 0.25f});
        Matrix recon = Matrix.of(3, 3, new float[] {
            0.5f, -0.4f, 2f,        // identical: mse 0 -> 1e-4 -> 40 dB
            2f, -1f, -1f,           // normalised differences (1, -1, 0)
            0.25f, 0.25f, 0.2505f}); // tiny but non-zero error: no replacement
        double expected = 40;
        double mse1 = (Math.pow(pixel(2) - pixel(1), 2) + Math.pow(pixel(-1) - pixel(0), 2)) / 3;
        assertEquals(2 * 0.3081 * 0.3081 / 3, mse1, 1e-12);
        expected += 10 * Math.log10(1 / mse1);
        double e2 = pixel(0.2505f) - pixel(0.25f);
        double mse2 = e2 * e2 / 3;
        double psnr2 = 10 * Math.log10(1 / mse2);
        assertEquals(80, psnr2, 10); // far above the 40 dB cap of the zero rule
        expected += psnr2;
        assertEquals(expected, Psnr.sum(recon, target, Normalisation.MNIST), 1e-4);
        double[] rows = new double[3];
        Matrix.rowSquaredDistances(recon, target, rows);
        assertEquals(expected, Psnr.sumOfRows(rows, 3, 3, Normalisation.MNIST), 1e-4, "from the rows' squared errors");
    }

    @Test
    void psnrRandomAgainstLoopsInPixelSpace() {
        Random rng = new Random(4);
        int n = 5;
        int d = 11;
        float[] t = new float[n * d];
        float[] r = new float[n * d];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) (rng.nextGaussian());
            r[i] = (float) (t[i] + 0.3 * rng.nextGaussian());
        }
        Normalisation norm = new Normalisation(0.457, 0.259);
        double expected = 0;
        for (int i = 0; i < n; i++) {
            double se = 0;
            for (int p = 0; p < d; p++) {
                double diff = (0.259 * r[i * d + p] + 0.457) - (0.259 * t[i * d + p] + 0.457);
                se += diff * diff;
            }
            expected += 10 * Math.log10(d / se);
        }
        assertEquals(expected, Psnr.sum(Matrix.of(n, d, r), Matrix.of(n, d, t), norm), 1e-5);
        double[] rows = new double[n];
        Matrix.rowSquaredDistances(Matrix.of(n, d, r), Matrix.of(n, d, t), rows);
        assertEquals(expected, Psnr.sumOfRows(rows, n, d, norm), 1e-5, "from the rows' squared errors");
    }

    @Test
    void psnrOfPatchesUndoesLcnAndTheGreyNormalisation() {
        // pixel = 0.259 (x s + m) + 0.457 for target and reconstruction, per sample and pixel.
        Random rng = new Random(7);
        int n = 4;
        int d = 9;
        float[] t = new float[n * d];
        float[] r = new float[n * d];
        float[] s = new float[n * d];
        float[] m = new float[n * d];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) rng.nextGaussian();
            r[i] = (float) (t[i] + 0.2 * rng.nextGaussian());
            s[i] = (float) (0.05 + rng.nextDouble());
            m[i] = (float) (rng.nextGaussian() * 0.5);
        }
        double expected = 0;
        for (int i = 0; i < n; i++) {
            double se = 0;
            for (int p = 0; p < d; p++) {
                int o = i * d + p;
                double pr = 0.259 * (r[o] * s[o] + m[o]) + 0.457;
                double pt = 0.259 * (t[o] * s[o] + m[o]) + 0.457;
                se += (pr - pt) * (pr - pt);
            }
            expected += 10 * Math.log10(d / se);
        }
        Normalisation grey = new Normalisation(0.457, 0.259);
        var maps = dev.sparsestream.core.data.PixelMaps.afterLcn(m.clone(), s.clone(), n, d, grey);
        float[] scale = new float[n * d];
        maps.copyScaleRows(0, n, scale);
        assertEquals(expected, Psnr.sum(Matrix.of(n, d, r), Matrix.of(n, d, t), grey, scale), 1e-4);
        // and the maps' pixels are the formula's
        float[] pixels = new float[d];
        maps.toPixels(2, java.nio.FloatBuffer.wrap(t, 2 * d, d).slice(), pixels);
        for (int p = 0; p < d; p++) {
            assertEquals(0.259 * (t[2 * d + p] * s[2 * d + p] + m[2 * d + p]) + 0.457, pixels[p], 1e-5);
        }
    }
}
