package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The learner's update from a worker's codes and encoder pass (made on another model object holding the
 * same weights) equals the sequential step that runs inference and update on one model, for several
 * batches in a row; a pass from other weights changes the update (so the comparison can fail).
 */
class EncoderPassReuseTest {
    static final int N = 20;

    static ModelConfig small(Family f) {
        var b = Presets.mnist(f).toBuilder();
        b.dataDim = 784;
        b.codeDim = 128;
        b.hiddenDim = f.nonLinear() ? 256 : 0;
        b.batchSize = N;
        return b.build();
    }

    static Matrix batch(Random rng, int d) {
        float[] v = new float[N * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.3 * rng.nextGaussian());
        }
        return Matrix.of(N, d, v);
    }

    static float[] flat(SparseAutoencoder m) {
        float[][] values = m.exportWeights(0).values();
        int size = Arrays.stream(values).mapToInt(a -> a.length).sum();
        float[] all = new float[size];
        int at = 0;
        for (float[] a : values) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

    @Test
    void anUpdateFromTheWorkersPassEqualsTheSequentialStep() {
        for (Family f : new Family[] {Family.VDL, Family.VDL_NL}) {
            ModelConfig c = small(f);
            FistaParams p = FistaParams.of(c);
            SparseAutoencoder sequential = SparseAutoencoder.initialise(c);
            SparseAutoencoder learner = sequential.copy();
            SparseAutoencoder worker = sequential.copy();
            TrainingStep seqStep = new TrainingStep(sequential, N);
            TrainingStep learnStep = new TrainingStep(learner, N);
            InferenceStep inference = new InferenceStep(worker, N);
            Random rng = new Random(7);
            for (int b = 0; b < 5; b++) {
                Matrix y = batch(rng, c.dataDim());
                BatchMetrics expected = seqStep.apply(y, p);
                Matrix z = inference.solve(y, p).copy();
                float[] pass = inference.encoderPass();
                BatchMetrics got = learnStep.learn(y, null, z, pass, inference.meanSteps(), inference.iterations(), p);
                assertArrayEquals(flat(sequential), flat(learner), f + " batch " + b);
                assertTrue(expected.energy().isFinite() && expected.fistaSteps() > 1, f + " batch " + b + ": "
                        + expected.energy() + " after " + expected.fistaSteps() + " steps");
                assertTrue(expected.energy().total() == got.energy().total(), f + " batch " + b + " energy "
                        + expected.energy() + " vs " + got.energy());
                worker.importWeights(learner.exportWeights(b + 1));
            }
        }
    }

    @Test
    void aPassFromOtherWeightsGivesAnotherUpdate() {
        ModelConfig c = small(Family.VDL);
        FistaParams p = FistaParams.of(c);
        SparseAutoencoder a = SparseAutoencoder.initialise(c);
        SparseAutoencoder b = a.copy();
        var other = small(Family.VDL).toBuilder();
        other.seed = c.seed() + 1;
        InferenceStep stale = new InferenceStep(SparseAutoencoder.initialise(other.build()), N);
        Matrix y = batch(new Random(3), c.dataDim());
        Matrix z = new InferenceStep(a.copy(), N).solve(y, p).copy();
        stale.solve(y, p);
        new TrainingStep(a, N).learn(y, null, z, null, 1, 1, p);
        new TrainingStep(b, N).learn(y, null, z, stale.encoderPass(), 1, 1, p);
        assertFalse(Arrays.equals(flat(a), flat(b)));
    }

    @Test
    void aPassOfTheWrongSizeIsRefusedWithItsSizes() {
        ModelConfig c = small(Family.VDL);
        SparseAutoencoder m = SparseAutoencoder.initialise(c);
        var e = assertThrows(IllegalArgumentException.class,
                () -> m.encoder().workspace(N).restorePass(new float[N * c.codeDim()]));
        assertTrue(e.getMessage().contains("an encoder pass of " + N * c.codeDim() + " values"), e.getMessage());
        assertTrue(e.getMessage().contains("has " + (c.listaIterations() + 1) * N * c.codeDim()), e.getMessage());
    }
}
