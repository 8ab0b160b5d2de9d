package dev.sparsestream.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NormalisationTest {

    @Test
    void mnistValues() {
        Normalisation m = Normalisation.MNIST;
        assertEquals((float) (-0.1307 / 0.3081), m.normalise(0));
        assertEquals((float) ((1 - 0.1307) / 0.3081), m.normalise(255));
        assertEquals(m.normalise(255), m.normalise((byte) 0xFF)); // a signed Java byte reads as unsigned
        assertEquals(0.0, m.toPixel(m.normalise(0)), 1e-6);
        assertEquals(1.0, m.toPixel(m.normalise(255)), 1e-6);
        float[] lut = m.lookupTable();
        for (int p = 0; p < 256; p++) {
            assertEquals(m.normalise(p), lut[p]);
        }
    }

    @Test
    void validates() {
        assertThrows(IllegalArgumentException.class, () -> new Normalisation(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Normalisation(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new Normalisation(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Normalisation(0, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Normalisation.MNIST.normalise(256));
    }
}
