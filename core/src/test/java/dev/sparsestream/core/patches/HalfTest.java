package dev.sparsestream.core.patches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfTest {
    @Test
    void knownValues() {
        assertEquals((short) 0x3c00, Half.fromFloat(1f));
        assertEquals((short) 0xc000, Half.fromFloat(-2f));
        assertEquals((short) 0x7bff, Half.fromFloat(65504f));
        assertEquals((short) 0x7c00, Half.fromFloat(70000f));
        assertEquals((short) 0x0001, Half.fromFloat(0x1p-24f));
        assertEquals((short) 0x0000, Half.fromFloat(0x1p-26f));
        assertEquals((short) 0x3555, Half.fromFloat(1f / 3));
        assertEquals(1f / 3, Half.toFloat((short) 0x3555), 1e-4);
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
    }

    /** Every half survives the round trip, and a float goes to the nearest half (checked by brute force). */
    @Test
    void roundTripAndNearest() {
        float[] all = new float[0x7c00];
        for (int h = 0; h < 0x7c00; h++) { // every finite non-negative half, increasing
            all[h] = Half.toFloat((short) h);
            assertEquals((short) h, Half.fromFloat(all[h]), "half " + Integer.toHexString(h));
            assertEquals((short) (h | 0x8000), Half.fromFloat(-all[h]));
        }
        Random rng = new Random(3);
        for (int t = 0; t < 20_000; t++) {
            float f = (float) (Math.exp(rng.nextDouble() * 22 - 16));
            short h = Half.fromFloat(f);
            double err = Math.abs(Half.toFloat(h) - f);
            int i = h & 0x7fff;
            if (i > 0) {
                assertTrue(err <= Math.abs(all[i - 1] - f), "below is not nearer for " + f);
            }
            if (i + 1 < all.length) {
                assertTrue(err <= Math.abs(all[i + 1] - f), "above is not nearer for " + f);
            }
        }
    }
}
