package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.protocol.Batch;
import org.junit.jupiter.api.Test;

class NativeBatchesTest {
    static final int ROWS = 3;
    static final int DIM = 4;

    static Batch batch(long seq) {
        float[] v = new float[ROWS * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = seq * 100 + i;
        }
        return new Batch(seq, 1, (int) seq, 10, ROWS, DIM, v);
    }

    @Test
    void aHeldBatchIsFoundWithItsPixelsAndOnlyAsThatVeryObject() {
        NativeBatches batches = new NativeBatches(Devices.cpu());
        Batch b = batch(2);
        assertNull(batches.find(b), "not held yet");
        var held = batches.hold(b);
        assertArrayEquals(b.data(), held.pixels().toArray());
        assertSame(held, batches.find(b));
        assertSame(held, batches.hold(b), "sent again: the same slot, not a second copy");
        // Equal values under the same seq, but another object: a batch that came over the network.
        assertNull(batches.find(batch(2)));
    }

    @Test
    void aReleasedSlotCarriesTheNextBatch() {
        NativeBatches batches = new NativeBatches(Devices.cpu());
        Batch first = batch(0);
        Batch second = batch(1);
        var slot0 = batches.hold(first);
        var slot1 = batches.hold(second);
        assertNotSame(slot0, slot1, "two in flight, two slots");
        assertEquals(2, batches.size());
        batches.release(first);
        assertNull(batches.find(first));
        assertEquals(1, batches.size());
        Batch third = batch(2);
        assertSame(slot0, batches.hold(third), "the applied batch's slot is reused");
        assertArrayEquals(third.data(), slot0.pixels().toArray());
        assertArrayEquals(second.data(), slot1.pixels().toArray(), "the batch still in flight is untouched");
        batches.release(batch(1)); // not the held object: nothing happens
        assertSame(slot1, batches.find(second));
    }

    @Test
    void codesLeftInASlotAreTheWorkersCopyAndAReusedSlotHoldsNoneUntilAWorkerWritesThem() {
        NativeBatches batches = new NativeBatches(Devices.cpu());
        Batch first = batch(0);
        var slot = batches.hold(first);
        assertNull(slot.codes(), "no worker has answered yet");
        assertNull(slot.pass());
        Matrix z = Matrix.of(ROWS, 2, new float[] {1, 2, 3, 4, 5, 6});
        slot.keepCodes(z);
        Matrix pass = slot.passBuffer(12);
        pass.data().put(0, new float[] {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
        z.data().put(0, 99f); // the worker's own buffer, reused for its next batch
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, slot.codes().toArray());
        assertSame(pass, slot.pass());
        batches.release(first);
        var again = batches.hold(batch(1));
        assertSame(slot, again);
        assertNull(again.codes(), "the last batch's codes are not this batch's");
        assertNull(again.pass());
        assertNull(again.passBuffer(0), "a model without an encoder leaves no pass");
    }
}
