package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.MlpDecoder;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decoder weight decay of the WDL families: L2 decay added to the gradient before Adam (PyTorch), with
 * wdDecoder on weight matrices and wdDecoderBias on the non-linear decoder's bias.
 */
class WeightDecayTest {
    static final int N = 6;
    static final int D = 7;
    static final int L = 5;
    static final int M = 4;

    @Test
    void adamWithWeightDecayHandComputed() {
        // p = 2, wd = 0.1, lr = 0.01, gradients 0.3, -0.2, 0 (PyTorch formulas, three steps)
        Matrix p = Matrix.of(1, 1, new float[] {2f});
        AdamOptimizer adam = new AdamOptimizer(List.of(p), new double[] {0.1}, 0.01);
        double pe = 2;
        double m = 0;
        double v = 0;
        double[] gs = {0.3, -0.2, 0};
        for (int t = 1; t <= 3; t++) {
            double g = (float) gs[t - 1] + 0.1 * pe;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            pe -= 0.01 / (1 - Math.pow(0.9, t)) * m / (Math.sqrt(v / (1 - Math.pow(0.999, t))) + 1e-8);
            adam.step(List.of(Matrix.of(1, 1, new float[] {(float) gs[t - 1]})));
            assertEquals(pe, p.get(0, 0), 1e-6, "after step " + t);
        }
        // Without decay the third step (g = 0) would still move p by momentum; with decay the gradient 0.2
        // dominates: the trajectory above differs from the no-decay one.
        Matrix q = Matrix.of(1, 1, new float[] {2f});
        AdamOptimizer plain = new AdamOptimizer(List.of(q), new double[] {0}, 0.01);
        for (double g : gs) {
            plain.step(List.of(Matrix.of(1, 1, new float[] {(float) g})));
        }
        assertEquals(true, Math.abs(q.get(0, 0) - p.get(0, 0)) > 1e-3);
    }

    static ModelConfig small(Family f) {
        var b = Presets.mnist(f).toBuilder();
        b.dataDim = D;
        b.codeDim = L;
        b.hiddenDim = f.nonLinear() ? M : 0;
        b.batchSize = N;
        return b.build();
    }

    /** Magnitudes where eps = 1e-8 matters against wd * |p|, so the step size reveals wd itself. */
    static final float[] MAGNITUDES = {1e-5f, -2e-5f, 4e-6f, -0.3f, 0.2f, -1e-5f, 3e-5f};

    static void fill(Matrix m, int salt) {
        for (int i = 0; i < m.size(); i++) {
            m.data().put(i, MAGNITUDES[(i + salt) % MAGNITUDES.length]);
        }
    }

    /**
     * With targets y = 0 and an encoder bias of 0, every code is 0 (encoder, FISTA), the reconstruction is
     * 0 = y and every decoder gradient is exactly 0; with b1 < 0 the hidden layer is 0 as well. Adam's first
     * step then sees only the decay term g = wd p: p1 = p0 - lr g / (|g| + eps).
     */
    static List<float[]> stepOnZeroBatch(SparseAutoencoder model) {
        TrainingStep step = new TrainingStep(model, N);
        List<float[]> before = new ArrayList<>();
        for (Matrix p : model.decoder().parameters()) {
            before.add(p.toArray());
        }
        List<float[]> encBefore = new ArrayList<>();
        for (Matrix p : model.encoder().parameters()) {
            encBefore.add(p.toArray());
        }
        BatchMetrics bm = step.apply(Matrix.zeros(N, D), FistaParams.of(model.config()));
        assertEquals(0.0, bm.decoderLoss(), 0.0, "the setting must give zero reconstruction error");
        assertEquals(1.0, bm.codes().sparsity(), 0.0, "the setting must give all-zero codes");
        for (int i = 0; i < encBefore.size(); i++) {
            assertArrayEquals(encBefore.get(i), model.encoder().parameters().get(i).toArray(), "encoder untouched");
        }
        return before;
    }

    static void assertDecayStep(String what, float[] before, Matrix after, double wd, double lr) {
        for (int i = 0; i < before.length; i++) {
            double g = wd * before[i];
            double expected = before[i] - lr * g / (Math.abs(g) + 1e-8);
            assertEquals(expected, after.data().get(i), 1e-3 * lr + 1e-7 * Math.abs(expected),
                    what + " [" + i + "] from " + before[i]);
        }
    }

    @Test
    void wdlDecaysTheDecoderWeights() {
        SparseAutoencoder model = SparseAutoencoder.initialise(small(Family.WDL));
        assertEquals(5e-4, model.config().wdDecoder());
        fill(model.decoder().parameters().get(0), 0);
        List<float[]> before = stepOnZeroBatch(model);
        assertDecayStep("W", before.get(0), model.decoder().parameters().get(0), 5e-4, model.config().lrDecoder());
    }

    @Test
    void wdlNlDecaysWeightsWithWdDecoderAndTheBiasWithWdDecoderBias() {
        ModelConfig c = small(Family.WDL_NL);
        assertEquals(5e-4, c.wdDecoder());
        assertEquals(1e-3, c.wdDecoderBias());
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        MlpDecoder dec = (MlpDecoder) model.decoder();
        fill(dec.w1(), 0);
        fill(dec.w2(), 3);
        float[] b1 = {-1e-5f, -2e-5f, -4e-6f, -0.3f};
        dec.b1().data().put(0, b1);
        List<float[]> before = stepOnZeroBatch(model);
        double lr = c.lrDecoder();
        assertDecayStep("W1", before.get(0), dec.w1(), 5e-4, lr);
        assertDecayStep("b1", before.get(1), dec.b1(), 1e-3, lr);
        assertDecayStep("W2", before.get(2), dec.w2(), 5e-4, lr);
    }

    @Test
    void vdlHasNoDecoderDecay() {
        SparseAutoencoder model = SparseAutoencoder.initialise(small(Family.VDL));
        fill(model.decoder().parameters().get(0), 0);
        List<float[]> before = stepOnZeroBatch(model);
        assertArrayEquals(before.get(0), model.decoder().parameters().get(0).toArray());
    }
}
