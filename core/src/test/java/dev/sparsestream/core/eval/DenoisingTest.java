package dev.sparsestream.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.data.PixelMaps;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenoisingTest {

    static Dataset data(int n, int d, long seed, boolean maps) {
        Random rng = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        PixelMaps m = null;
        if (maps) {
            float[] scale = new float[n * d];
            float[] offset = new float[n * d];
            for (int i = 0; i < scale.length; i++) {
                scale[i] = (float) (0.05 + 0.2 * rng.nextDouble());
                offset[i] = (float) rng.nextDouble();
            }
            m = new PixelMaps(scale, offset, n, d);
        }
        return new Dataset("clean", x, n, d, null, m);
    }

    @Test
    void noisyInputPsnrIsTheAnalyticValueForMnistsNormalisation() {
        // sigma 1 in the normalised space is 0.3081 in pixels: PSNR = 10 log10(1 / 0.3081^2) = 10.2 dB (docs/method.md)
        Dataset clean = data(500, 784, 1, false);
        Normalisation mnist = Presets.mnist(Family.VDL).normalisation();
        Dataset noisy = Denoising.noisy(clean, 1.0, 5);
        assertEquals(10.2, Denoising.inputPsnr(noisy, clean, 500, mnist), 0.05);
        assertEquals(6.7, Denoising.inputPsnr(Denoising.noisy(clean, 1.5, 5), clean, 500, mnist), 0.05);
        // same seed, same noise; another seed, other noise
        assertEquals(noisy.get(3, 7), Denoising.noisy(clean, 1.0, 5).get(3, 7));
        assertNotEquals(noisy.get(3, 7), Denoising.noisy(clean, 1.0, 6).get(3, 7));
        assertThrows(IllegalArgumentException.class, () -> Denoising.noisy(clean, -1, 1));
    }

    @Test
    void rowMatchesADirectComputationWithPixelMaps() {
        ModelConfig.Builder b = Presets.mnist(Family.VDL).toBuilder();
        b.dataDim = 20;
        b.codeDim = 8;
        b.batchSize = 50;
        SparseAutoencoder model = SparseAutoencoder.initialise(b.build());
        Dataset clean = data(120, 20, 2, true); // 2 complete batches; 20 rows left out
        Denoising.Row row = Denoising.evaluate(model, clean, 1.5, 9);
        assertEquals(100, row.samples());

        // independent: encode with Encoding, decode, PSNR with plain loops over the maps
        Dataset noisy = Denoising.noisy(clean, 1.5, 9);
        double[] got = direct(model, clean, clean, 100);
        double[] den = direct(model, noisy, clean, 100);
        assertEquals(got[0], row.cleanPsnr(), 1e-6);
        assertEquals(got[1], row.cleanSparsity(), 1e-12);
        assertEquals(den[0], row.denoisedPsnr(), 1e-6);
        assertEquals(den[1], row.noisySparsity(), 1e-12);
        double input = 0;
        for (int i = 0; i < 100; i++) {
            double se = 0;
            for (int p = 0; p < 20; p++) {
                double r = clean.pixelMaps().scale(i, p) * (noisy.get(i, p) - clean.get(i, p));
                se += r * r;
            }
            input += 10 * Math.log10(20 / se);
        }
        assertEquals(input / 100, row.noisyPsnr(), 1e-6);
    }

    /** {PSNR against targets, sparsity} of the encoder's reconstructions of the first n inputs. */
    private static double[] direct(SparseAutoencoder model, Dataset inputs, Dataset targets, int n) {
        int d = inputs.dim();
        Matrix x = Matrix.zeros(n, d);
        inputs.copyRows(0, n, x.data());
        Matrix z = Matrix.zeros(n, model.config().codeDim());
        Encoding.encode(model, x, z, false, 50);
        Matrix recon = model.decoder().workspace(n).decode(z);
        double psnr = 0;
        for (int i = 0; i < n; i++) {
            double se = 0;
            for (int p = 0; p < d; p++) {
                double r = targets.pixelMaps().scale(i, p) * (recon.get(i, p) - targets.get(i, p));
                se += r * r;
            }
            psnr += 10 * Math.log10(d / se);
        }
        long zeros = 0;
        for (float v : z.toArray()) {
            zeros += v == 0f ? 1 : 0;
        }
        return new double[] {psnr / n, zeros / (double) z.size()};
    }
}
