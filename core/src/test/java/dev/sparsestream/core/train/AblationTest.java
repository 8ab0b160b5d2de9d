package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.LinearDecoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The paper's ablation (Sec. 4.4), small: with neither the variance hinge nor any bound on the decoder
 * (VDL with beta = 0: no column norm, no weight decay) the decoder's columns grow and the codes' L1 norms
 * collapse while the reconstructions stay as good; with beta = 10 (VDL) the codes keep their size.
 *
 * <p>Setting (tuned to show the effect in about ten seconds): 2,000 samples of d = 784 (MNIST's size, so
 * the balance between the per-pixel-mean reconstruction term, lambda and the hinge is the paper's; at
 * d = 64 the reconstruction term is 12 times stronger and the hinge cannot hold the codes up), each a
 * non-negative combination of 3 of 16 random unit atoms plus noise, standardised; l = 32, batch 250.
 * Both runs use the same VDL configuration except beta: lambda 0.05, a large decoder learning rate 0.1 so
 * that the drift takes ~100 epochs rather than hundreds, and eta = 0.01 so that FISTA's step stays within
 * its stable range (eta * Lipschitz < 1) while the ablation's decoder grows: the collapse shown is the
 * rescaling of the paper, not a FISTA divergence (asserted).
 *
 * <p>Every measurement (code L1 norms, column norms, reconstruction error, Lipschitz constant) is
 * computed by the test's own loops on a fixed batch after each epoch.
 */
class AblationTest {
    static final int SAMPLES = 2000;
    static final int D = 784;
    static final int L = 32;
    static final int ATOMS = 16;
    static final int ATOMS_PER_SAMPLE = 3;
    static final int BATCH = 250;
    static final int EPOCHS = 120;

    /** Non-negative sparse combinations of random unit atoms plus noise, standardised over all entries. */
    static Dataset syntheticData(long seed) {
        Random rng = new Random(seed);
        double[][] atoms = new double[ATOMS][D];
        for (double[] a : atoms) {
            double norm = 0;
            for (int p = 0; p < D; p++) {
                a[p] = rng.nextGaussian();
                norm += a[p] * a[p];
            }
            norm = Math.sqrt(norm);
            for (int p = 0; p < D; p++) {
                a[p] /= norm;
            }
        }
        double[] x = new double[SAMPLES * D];
        for (int i = 0; i < SAMPLES; i++) {
            for (int k = 0; k < ATOMS_PER_SAMPLE; k++) {
                double[] a = atoms[rng.nextInt(ATOMS)];
                double c = 0.5 + rng.nextDouble();
                for (int p = 0; p < D; p++) {
                    x[i * D + p] += c * a[p];
                }
            }
            for (int p = 0; p < D; p++) {
                x[i * D + p] += 0.02 * rng.nextGaussian();
            }
        }
        double mean = Arrays.stream(x).average().orElseThrow();
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / x.length);
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) ((x[i] - mean) / std);
        }
        return new Dataset("synthetic", f, SAMPLES, D, null);
    }

    static ModelConfig config(double beta) {
        var b = Presets.mnist(Family.VDL).toBuilder();
        b.dataDim = D;
        b.codeDim = L;
        b.batchSize = BATCH;
        b.beta = beta;
        b.lambda = 0.05;
        b.lrDecoder = 0.1;
        b.lrEncoder = 1e-3;
        b.eta = 0.01;
        b.seed = 7;
        return b.build();
    }

    /** Per epoch (index 0 = before training) on a fixed batch. */
    record Trace(double[] l1, double[] colNorm, double[] relMse, double etaLipschitz) {
    }

    static Trace train(ModelConfig c, Dataset data) {
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        assertTrue(!c.columnNorm() && c.wdDecoder() == 0, "VDL has no bound on the decoder");
        TrainingStep step = new TrainingStep(model, BATCH);
        FistaParams p = FistaParams.of(c);
        Matrix y = Matrix.zeros(BATCH, D);
        Matrix evalY = Matrix.zeros(BATCH, D);
        data.copyRows(0, BATCH, evalY.data());
        double evalEnergy = 0;
        for (int o = 0; o < BATCH * D; o++) {
            evalEnergy += (double) evalY.data().get(o) * evalY.data().get(o);
        }
        ListaEncoder.Workspace encWs = model.encoder().workspace(BATCH);
        Decoder.Workspace decWs = model.decoder().workspace(BATCH);
        Fista fista = Devices.cpu().fista(BATCH, L);
        int[] perm = new int[SAMPLES];
        Arrays.setAll(perm, i -> i);
        Random rng = new Random(c.seed());
        double[] l1 = new double[EPOCHS + 1];
        double[] cn = new double[EPOCHS + 1];
        double[] rel = new double[EPOCHS + 1];
        for (int epoch = 0; epoch <= EPOCHS; epoch++) {
            if (epoch > 0) {
                for (int i = SAMPLES - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                for (int b = 0; b < SAMPLES / BATCH; b++) {
                    data.copyRows(perm, b * BATCH, BATCH, y.data());
                    step.apply(y, p);
                }
            }
            Matrix ze = encWs.forward(evalY);
            decWs.bind(evalY);
            Matrix z = fista.solve(decWs, ze, ze, p);
            double s = 0;
            for (int o = 0; o < BATCH * L; o++) {
                s += Math.abs(z.data().get(o));
            }
            l1[epoch] = s / BATCH;
            Matrix recon = decWs.decode(z);
            double se = 0;
            for (int o = 0; o < BATCH * D; o++) {
                double e = recon.data().get(o) - evalY.data().get(o);
                se += e * e;
            }
            rel[epoch] = se / evalEnergy;
            Matrix w = ((LinearDecoder) model.decoder()).w();
            double norms = 0;
            for (int k = 0; k < L; k++) {
                double sq = 0;
                for (int q = 0; q < D; q++) {
                    sq += (double) w.get(q, k) * w.get(q, k);
                }
                norms += Math.sqrt(sq);
            }
            cn[epoch] = norms / L;
        }
        // Lipschitz constant of FISTA's smooth part at the end: (2/d) lambda_max(W^T W) + 2 gamma / l.
        Matrix w = ((LinearDecoder) model.decoder()).w();
        double[] v = new double[L];
        Arrays.fill(v, 1);
        double ev = 0;
        for (int it = 0; it < 300; it++) {
            double[] wv = new double[D];
            for (int q = 0; q < D; q++) {
                for (int k = 0; k < L; k++) {
                    wv[q] += w.get(q, k) * v[k];
                }
            }
            double[] u = new double[L];
            for (int k = 0; k < L; k++) {
                for (int q = 0; q < D; q++) {
                    u[k] += w.get(q, k) * wv[q];
                }
            }
            ev = Math.sqrt(Arrays.stream(u).map(a -> a * a).sum());
            for (int k = 0; k < L; k++) {
                v[k] = u[k] / ev;
            }
        }
        double etaLip = c.eta() * (2.0 / D * ev + 2 * c.gamma() / L);
        System.out.printf("beta %4.1f: code L1 epoch 1 %.3f -> %d %.3f; mean column norm %.2f -> %.2f; "
                        + "relative recon error %.3f -> %.3f; eta * Lipschitz %.3f%n",
                c.beta(), l1[1], EPOCHS, l1[EPOCHS], cn[1], cn[EPOCHS], rel[1], rel[EPOCHS], etaLip);
        return new Trace(l1, cn, rel, etaLip);
    }

    @Test
    void withoutVarianceRegularisationTheCodesCollapseAndWithItTheyDoNot() {
        Dataset data = syntheticData(1);
        Trace ablation = train(config(0), data);
        Trace vdl = train(config(10), data);
        int last = EPOCHS;

        assertTrue(ablation.l1()[last] < ablation.l1()[1] / 5,
                "ablation: the codes' L1 norm should collapse: " + ablation.l1()[1] + " -> " + ablation.l1()[last]);
        assertTrue(ablation.colNorm()[last] > 2 * ablation.colNorm()[1],
                "ablation: the decoder's columns should grow: " + ablation.colNorm()[1] + " -> " + ablation.colNorm()[last]);
        // The same reconstructions with smaller codes and a larger decoder: the rescaling collapse, with FISTA
        // stable throughout (not codes lost to a diverging inference).
        assertTrue(ablation.relMse()[last] < 0.2, "ablation reconstruction error " + ablation.relMse()[last]);
        assertTrue(ablation.etaLipschitz() < 1, "FISTA's step must stay stable: eta * L = " + ablation.etaLipschitz());

        double ratio = vdl.l1()[last] / vdl.l1()[1];
        assertTrue(ratio > 0.5 && ratio < 2, "VDL: the codes' L1 norm should stay within 2x: "
                + vdl.l1()[1] + " -> " + vdl.l1()[last]);
        assertTrue(vdl.relMse()[last] < 0.2, "VDL reconstruction error " + vdl.relMse()[last]);
        assertTrue(vdl.etaLipschitz() < 1, "eta * L = " + vdl.etaLipschitz());
    }
}
