package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DO-NL learns: from FISTA's constant start (ModelConfig.fistaStart; from zero with b1 = 0 every hidden unit
 * sits at relu's kink and nothing ever moves), 280 batches lower the energy and leave most components alive.
 * Small (l = 32, m = 64, batches of 50) on the ablation's synthetic data of d = 784, at the preset's lambda.
 */
class DecoderOnlyNonLinearTest {
    @Test
    void aFewHundredBatchesLowerTheEnergyAndLeaveMostComponentsAlive() {
        var b = Presets.mnist(Family.DO_NL).toBuilder();
        b.codeDim = 32;
        b.hiddenDim = 64;
        b.batchSize = 50;
        b.epochs = 7;
        ModelConfig c = b.build();
        assertTrue(c.fistaStart() > 0, "DO-NL starts FISTA away from zero");
        Dataset data = AblationTest.syntheticData(3); // 2,000 samples: 40 batches an epoch
        TrainingResult r = new Trainer(c).train(SparseAutoencoder.initialise(c), data, data, null, TrainingListener.NONE);
        List<EpochReport> e = r.epochs();
        double first = e.get(0).train().energy();
        double last = e.get(e.size() - 1).val().energy();
        assertTrue(last < 0.8 * first, "energy " + first + " -> " + last);
        double dead = e.get(e.size() - 1).val().deadComponents();
        assertTrue(dead < c.codeDim() / 4.0, dead + " dead components of " + c.codeDim());
        assertTrue(e.get(e.size() - 1).val().sparsity() < 0.99, "codes are not all zero");
    }
}
