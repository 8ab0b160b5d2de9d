package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import org.junit.jupiter.api.Test;

class NativeWeightsTest {

    private static float[] flat(Weights w) {
        int n = 0;
        for (float[] v : w.values()) {
            n += v.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] v : w.values()) {
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    /** The model's weights changed in place, as an update does. */
    private static void perturb(SparseAutoencoder model, float by) {
        var w = model.exportWeights(0);
        for (float[] v : w.values()) {
            for (int i = 0; i < v.length; i++) {
                v[i] += by;
            }
        }
        model.importWeights(w);
    }

    @Test
    void aWorkerGetsTheVersionAsLentEvenAfterTheLearnerMovesOn() {
        SparseAutoencoder learner = SparseAutoencoder.initialise(PipelineTest.config(Family.VDL, 1));
        var other = PipelineTest.config(Family.VDL, 1).toBuilder();
        other.seed = 99;
        SparseAutoencoder worker = SparseAutoencoder.initialise(other.build());
        float[] version0 = flat(learner.exportWeights(0));
        NativeWeights lent = new NativeWeights();
        var a = lent.lend(learner, 0).weights();
        var b = lent.lend(learner, 0).weights();
        assertSame(a, b, "one copy per version, however many workers");
        assertEquals(3, a.references(), "the learner's and two workers'");
        perturb(learner, 1f);                 // version 1
        lent.lend(learner, 1).weights().release();
        a.copyTo(worker);
        assertArrayEquals(version0, flat(worker.exportWeights(0)), "version 0, not the learner's version 1");
        assertEquals(0, lent.free(), "one worker still holds version 0");
        b.release();
        assertEquals(1, lent.free(), "version 0 is free once the learner and both workers let go");
    }

    @Test
    void aFreedSlotCarriesALaterVersion() {
        SparseAutoencoder learner = SparseAutoencoder.initialise(PipelineTest.config(Family.VDL_NL, 1));
        SparseAutoencoder worker = learner.copy();
        NativeWeights lent = new NativeWeights();
        var v0 = lent.lend(learner, 0).weights();
        v0.copyTo(worker);
        perturb(learner, 0.5f);
        var v1 = lent.lend(learner, 1).weights();   // the learner lets go of version 0: its slot is free
        assertEquals(1, lent.free());
        v1.copyTo(worker);
        perturb(learner, 0.5f);
        var v2 = lent.lend(learner, 2).weights();   // takes version 0's slot
        assertEquals(1, lent.free(), "version 1's slot is free now, version 0's was taken");
        assertNotSame(v1, v2);
        v2.copyTo(worker);
        assertArrayEquals(flat(learner.exportWeights(2)), flat(worker.exportWeights(2)));
    }
}
