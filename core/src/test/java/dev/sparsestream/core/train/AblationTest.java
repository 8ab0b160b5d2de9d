package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
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
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The paper's ablation (Sec. 4.4), small: with neither the variance hinge nor any bound on the decoder
 * (VDL with beta = 0: no column norm, no weight decay) the decoder's columns grow and the codes' L1
 * norms collapse; with beta = 10 (VDL) they do not.
 */
class AblationTest {
    static final int SAMPLES = 2000;
    static final int D = Integer.getInteger("ab.d", 64);
    static final int L = 32;
    static final int ATOMS = Integer.getInteger("ab.atoms", 48);
    static final int BATCH = 250;
    static final int EPOCHS = Integer.getInteger("ablation.epochs", 15);

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
            for (int k = 0; k < Integer.getInteger("ab.k", 5); k++) {
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
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
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

    static ModelConfig config(double beta, double lrDecoder) {
        var b = Presets.mnist(Family.VDL).toBuilder();
        b.dataDim = D;
        b.codeDim = L;
        b.beta = beta;
        b.lrDecoder = lrDecoder;
        b.lrEncoder = Double.parseDouble(System.getProperty("ab.lrE", "1e-3"));
        b.lambda = Double.parseDouble(System.getProperty("ab.lambda", "0.02"));
        b.gamma = Double.parseDouble(System.getProperty("ab.gamma", "5"));
        b.eta = Double.parseDouble(System.getProperty("ab.eta", "0.5"));
        b.batchSize = BATCH;
        b.seed = 7;
        return b.build();
    }

    /** Per epoch: mean L1 norm of FISTA codes on a fixed batch, and mean decoder column norm (test's own loops). */
    record Trace(double[] l1, double[] colNorm) {
    }

    static Trace train(ModelConfig c, Dataset data) {
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        TrainingStep step = new TrainingStep(model, BATCH);
        FistaParams p = FistaParams.of(c);
        Matrix y = Matrix.zeros(BATCH, D);
        Matrix evalY = Matrix.zeros(BATCH, D);
        data.copyRows(0, BATCH, evalY.data());
        ListaEncoder.Workspace encWs = model.encoder().workspace(BATCH);
        Decoder.Workspace decWs = model.decoder().workspace(BATCH);
        Fista fista = new Fista(BATCH, L);
        int batches = SAMPLES / BATCH;
        int[] perm = new int[SAMPLES];
        Random rng = new Random(c.seed());
        for (int i = 0; i < SAMPLES; i++) {
            perm[i] = i;
        }
        double[] l1 = new double[EPOCHS + 1];
        double[] cn = new double[EPOCHS + 1];
        for (int epoch = 0; epoch <= EPOCHS; epoch++) {
            if (epoch > 0) {
                for (int i = SAMPLES - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                for (int b = 0; b < batches; b++) {
                    data.copyRows(perm, b * BATCH, BATCH, y.data());
                    step.apply(y, p);
                }
            }
            Matrix ze = encWs.forward(evalY);
            decWs.bind(evalY);
            Matrix z = fista.solve(decWs, ze, ze, p);
            double s = 0;
            for (int i = 0; i < BATCH; i++) {
                for (int k = 0; k < L; k++) {
                    s += Math.abs(z.get(i, k));
                }
            }
            l1[epoch] = s / BATCH;
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
            if (epoch % Integer.getInteger("ab.every", 5) == 0) {
                double[] v = new double[L];
                java.util.Arrays.fill(v, 1);
                double ev = 0;
                for (int it = 0; it < 200; it++) {
                    double[] wv = new double[D];
                    for (int q = 0; q < D; q++) for (int k = 0; k < L; k++) wv[q] += w.get(q, k) * v[k];
                    double[] u = new double[L];
                    for (int k = 0; k < L; k++) for (int q = 0; q < D; q++) u[k] += w.get(q, k) * wv[q];
                    double nn = 0; for (double x : u) nn += x * x; nn = Math.sqrt(nn); ev = nn;
                    for (int k = 0; k < L; k++) v[k] = u[k] / nn;
                }
                Matrix rec = decWs.decode(z);
                double mse = 0; int nz = 0;
                for (int o = 0; o < BATCH * D; o++) { double e = rec.data().get(o) - evalY.data().get(o); mse += e * e; }
                for (int o = 0; o < BATCH * L; o++) { if (z.data().get(o) != 0f) nz++; }
                var cs = dev.sparsestream.core.inference.CodeStats.of(z);
                System.out.printf("    eta*Lip %.3f minStd %.3f meanStd %.3f mse %.4f density %.3f fistaSteps %.1f%n", c.eta() * 2 / D * ev, cs.minStd(), cs.meanStd(), mse / (BATCH * D), nz / (double) (BATCH * L), fista.meanSteps());
            }
            if (Boolean.getBoolean("ab.verbose") && epoch % 5 == 0) {
                Matrix rec = decWs.decode(z);
                double mse = 0; int nz = 0; double minN = 1e9, maxN = 0;
                for (int o = 0; o < BATCH * D; o++) { double e = rec.data().get(o) - evalY.data().get(o); mse += e * e; }
                for (int o = 0; o < BATCH * L; o++) { if (z.data().get(o) != 0f) nz++; }
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < L; k++) { double sq = 0, use = 0; for (int q = 0; q < D; q++) sq += (double) w.get(q, k) * w.get(q, k);
                    for (int i = 0; i < BATCH; i++) use += z.get(i, k);
                    sb.append(String.format(" %.1f/%.2f", Math.sqrt(sq), use / BATCH)); }
                System.out.printf("   mse %.4f density %.3f cols%s%n", mse / (BATCH * D), nz / (double) (BATCH * L), sb);
            }
            if (epoch % Integer.getInteger("ab.every", 5) == 0) System.out.printf("beta %.0f epoch %d: L1 %.4f colnorm %.4f%n", c.beta(), epoch, l1[epoch], cn[epoch]);
        }
        return new Trace(l1, cn);
    }

    @Test
    void withoutVarianceRegularisationTheCodesCollapse() {
        Dataset data = syntheticData(1);
        long t0 = System.nanoTime();
        Trace ablation = train(config(0, Double.parseDouble(System.getProperty("ab.lrD", "3e-3"))), data);
        System.out.printf("ablation %.1f s%n", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        Trace vdl = train(config(10, Double.parseDouble(System.getProperty("ab.lrD", "3e-3"))), data);
        System.out.printf("vdl %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
