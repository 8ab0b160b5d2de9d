package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
    @Test
    void theLowestEnergyIsBestAndPatienceCountsEpochsSinceIt() {
        EarlyStopping s = new EarlyStopping(2);
        assertTrue(s.record(1, 10.0));
        assertFalse(s.shouldStop(1));
        assertTrue(s.record(2, 9.0));
        assertFalse(s.record(3, 9.0), "an equal energy does not improve");
        assertFalse(s.shouldStop(3));
        assertFalse(s.record(4, Double.NaN), "NaN never improves");
        assertTrue(s.shouldStop(4), "two epochs without a new best");
        assertEquals(2, s.bestEpoch());
        assertEquals(9.0, s.bestEnergy());
    }

    @Test
    void noPatienceNeverStopsAndAResumedRuleKeepsItsBest() {
        EarlyStopping off = new EarlyStopping(0);
        off.record(1, 1.0);
        assertFalse(off.shouldStop(1000));
        EarlyStopping resumed = new EarlyStopping(3, 5, 2.0);
        assertFalse(resumed.record(6, 2.5));
        assertTrue(resumed.shouldStop(8));
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(-1));
    }

    @Test
    void patienceStopsATrainingRun() {
        // no learning (both learning rates 0): every epoch's validation energy equals the first, so with patience
        // 1 the run ends after epoch 2 of 6, keeping epoch 1
        var b = Presets.mnist(Family.VDL).toBuilder();
        b.codeDim = 16;
        b.batchSize = 50;
        b.epochs = 6;
        b.patience = 1;
        b.lrDecoder = 0;
        b.lrEncoder = 0;
        ModelConfig c = b.build();
        Dataset data = AblationTest.syntheticData(3);
        TrainingResult r = new Trainer(c).train(SparseAutoencoder.initialise(c), data, data, null, TrainingListener.NONE);
        assertEquals(2, r.epochs().size());
        assertTrue(r.stoppedEarly());
        assertEquals(1, r.bestEpoch());
    }
}
