package dev.sparsestream.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    /** Three well separated Gaussian clusters in 5 dimensions; labels in order 0,1,2,0,1,2,... */
    static Dataset clusters(String name, int n, long seed, double spread) {
        Random rng = new Random(seed);
        double[][] centres = {{3, 0, 0, 0, 0}, {0, 3, 0, 0, 0}, {0, 0, 3, 0, 0}};
        float[] x = new float[n * 5];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int j = 0; j < 5; j++) {
                x[i * 5 + j] = (float) (centres[labels[i]][j] + spread * rng.nextGaussian());
            }
        }
        return new Dataset(name, x, n, 5, labels);
    }

    @Test
    void separableProblemIsLearnedPerfectly() {
        Dataset train = clusters("train", 300, 1, 0.3);
        Dataset val = clusters("val", 90, 2, 0.3);
        Dataset test = clusters("test", 300, 3, 0.3);
        LinearProbe.Result r = LinearProbe.train(train, val, test, 3, new LinearProbe.Config(60, 1e-2, 50, 7));
        assertEquals(0.0, r.top1Error());
        assertEquals(0.0, r.top3Error());
        assertEquals(0.0, r.valTop1Error());
        assertTrue(r.bestValLoss() < 0.1, "validation loss " + r.bestValLoss());
        // the same seed gives the same classifier
        assertEquals(r, LinearProbe.train(train, val, test, 3, new LinearProbe.Config(60, 1e-2, 50, 7)));
    }

    @Test
    void listaFrontLearnsTheSameProblem() {
        Dataset train = clusters("train", 300, 1, 0.3);
        Dataset val = clusters("val", 90, 2, 0.3);
        Dataset test = clusters("test", 300, 3, 0.3);
        LinearProbe.Result r = LinearProbe.trainWithLista(train, val, test, 3, 8, 3, new LinearProbe.Config(60, 1e-2, 50, 7));
        assertTrue(r.top1Error() <= 0.01, "top-1 error " + r.top1Error());
    }

    @Test
    void overlappingClassesLeaveTopOneErrorButTopThreeOfThreeClassesIsZero() {
        Dataset train = clusters("train", 300, 1, 3);
        Dataset val = clusters("val", 90, 2, 3);
        Dataset test = clusters("test", 300, 3, 3);
        LinearProbe.Result r = LinearProbe.train(train, val, test, 3, new LinearProbe.Config(20, 1e-2, 50, 7));
        assertTrue(r.top1Error() > 0.05, "top-1 error " + r.top1Error());
        assertTrue(r.valTop1Error() > 0.05, "validation top-1 error " + r.valTop1Error());
        assertEquals(0.0, r.top3Error()); // with 3 classes the true one is always among the top 3
    }

    @Test
    void evaluationCountsTopKAgainstADirectRanking() {
        Random rng = new Random(5);
        Dataset test = clusters("test", 40, 4, 5);
        LinearProbe probe = LinearProbe.forTest(3, 5, null, rng);
        double[] got = probe.evaluate(test, 16);
        // independent: logits by plain loops from the parameters
        Matrix w = probe.parameters().get(0);
        Matrix b = probe.parameters().get(1);
        double loss = 0;
        int wrong1 = 0;
        for (int i = 0; i < test.size(); i++) {
            double[] logit = new double[3];
            for (int k = 0; k < 3; k++) {
                logit[k] = b.get(0, k);
                for (int j = 0; j < 5; j++) {
                    logit[k] += w.get(k, j) * test.get(i, j);
                }
            }
            int arg = 0;
            for (int k = 1; k < 3; k++) {
                if (logit[k] > logit[arg]) {
                    arg = k;
                }
            }
            wrong1 += arg != test.label(i) ? 1 : 0;
            double lse = Math.log(Math.exp(logit[0]) + Math.exp(logit[1]) + Math.exp(logit[2]));
            loss += lse - logit[test.label(i)];
        }
        assertEquals(loss / test.size(), got[0], 1e-5);
        assertEquals(wrong1 / (double) test.size(), got[1], 1e-12);
        assertEquals(0.0, got[2]);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        checkGradients(null);
    }

    @Test
    void gradientsThroughListaMatchFiniteDifferences() {
        checkGradients(ListaEncoder.initialise(5, 6, 2, new Random(11)));
    }

    private static void checkGradients(ListaEncoder lista) {
        Random rng = new Random(3);
        int features = lista != null ? lista.codeDim() : 5;
        LinearProbe probe = LinearProbe.forTest(3, features, lista, rng);
        Dataset data = clusters("batch", 7, 9, 1.0);
        LinearProbe.Buffers buf = probe.buffers(7);
        data.copyRows(0, 7, buf.x.data());
        for (int i = 0; i < 7; i++) {
            buf.labels[i] = data.label(i);
        }
        probe.lossAndGradients(buf);
        List<Matrix> params = probe.parameters();
        float[][] analytic = new float[params.size()][];
        for (int p = 0; p < params.size(); p++) {
            analytic[p] = buf.gradients.get(p).toArray();
        }
        double h = 1e-3; // small enough not to cross a ReLU kink of the LISTA front
        for (int p = 0; p < params.size(); p++) {
            FloatBuffer v = params.get(p).data();
            float[] numeric = new float[v.limit()];
            for (int k = 0; k < numeric.length; k++) {
                float keep = v.get(k);
                v.put(k, (float) (keep + h));
                double plus = probe.lossAndGradients(buf);
                v.put(k, (float) (keep - h));
                double minus = probe.lossAndGradients(buf);
                v.put(k, keep);
                numeric[k] = (float) ((plus - minus) / (2 * h));
            }
            assertArrayEquals(numeric, analytic[p], 2e-3f, "parameter " + p);
        }
    }

    @Test
    void firstPerClassTakesTheEarliestRowsOfEachClass() {
        Dataset d = new Dataset("d", new float[8], 8, 1, new int[] {1, 0, 1, 1, 2, 0, 2, 0});
        assertArrayEquals(new int[] {0, 1, 2, 4, 5, 6}, LowDataClassification.firstPerClass(d, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LowDataClassification.firstPerClass(d, 4, 3));
        assertTrue(e.getMessage().contains("class 0"), e.getMessage());
        assertEquals(3, LowDataClassification.classes(d));
    }

    @Test
    void cellsReportMeanAndSampleStd() {
        assertEquals(2.0, LowDataClassification.mean(new double[] {1, 2, 3}));
        assertEquals(1.0, LowDataClassification.std(new double[] {1, 2, 3}), 1e-12);
        assertEquals(0.0, LowDataClassification.std(new double[] {4}));
    }
}
