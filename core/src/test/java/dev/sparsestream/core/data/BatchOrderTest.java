package dev.sparsestream.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class BatchOrderTest {

    @Test
    void permutationIsAPermutation() {
        BatchOrder o = new BatchOrder(55_000, 250, 7);
        for (int epoch : new int[] {0, 1, 199}) {
            int[] p = o.permutation(epoch);
            assertEquals(55_000, p.length);
            boolean[] seen = new boolean[p.length];
            for (int i : p) {
                assertFalse(seen[i], "index " + i + " twice");
                seen[i] = true;
            }
        }
    }

    @Test
    void sameSeedAndEpochGiveSameOrder() {
        BatchOrder a = new BatchOrder(1000, 10, 42);
        BatchOrder b = new BatchOrder(1000, 10, 42);
        // Resume: epoch 5 computed without epochs 0..4, in either order, is the same.
        int[] direct = b.permutation(5);
        for (int e = 0; e < 5; e++) {
            a.permutation(e);
        }
        assertArrayEquals(direct, a.permutation(5));
        assertArrayEquals(a.permutation(3), a.permutation(3));
    }

    @Test
    void differentEpochsAndSeedsDiffer() {
        BatchOrder o = new BatchOrder(1000, 10, 42);
        int[] e0 = o.permutation(0);
        assertFalse(Arrays.equals(e0, o.permutation(1)));
        assertFalse(Arrays.equals(o.permutation(1), o.permutation(2)));
        assertFalse(Arrays.equals(e0, new BatchOrder(1000, 10, 43).permutation(0)));
        int[] identity = new int[1000];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(e0, identity));
    }

    @Test
    void adjacentSeedEpochPairsAreNotShiftedStreams() {
        // (seed, epoch) and (seed, epoch+1) must not yield the same sequence offset by one step.
        BatchOrder o = new BatchOrder(100, 10, 0);
        int[] a = o.permutation(0);
        int[] b = o.permutation(1);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        assertTrue(same < 10, "too many fixed positions: " + same);
    }

    @Test
    void ordersArePinned() {
        // Guards reproducibility of saved runs across JDKs and refactorings: if this fails, resumed
        // runs would see different batches than the run they resume.
        assertArrayEquals(new int[] {9, 5, 7, 3, 6, 2, 4, 1, 0, 8}, new BatchOrder(10, 5, 1234).permutation(0));
        assertArrayEquals(new int[] {3, 4, 6, 1, 2, 0, 9, 5, 7, 8}, new BatchOrder(10, 5, 1234).permutation(3));
    }

    @Test
    void batchesPerEpochDropsTheRemainder() {
        assertEquals(220, new BatchOrder(55_000, 250, 0).batchesPerEpoch());
        assertEquals(3, new BatchOrder(1099, 300, 0).batchesPerEpoch());
        assertEquals(1, new BatchOrder(250, 250, 0).batchesPerEpoch());
        assertEquals(1, new BatchOrder(499, 250, 0).batchesPerEpoch());
    }

    @Test
    void rejectsImpossibleArguments() {
        assertThrows(IllegalArgumentException.class, () -> new BatchOrder(249, 250, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchOrder(10, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchOrder(10, 5, 0).permutation(-1));
    }
}
