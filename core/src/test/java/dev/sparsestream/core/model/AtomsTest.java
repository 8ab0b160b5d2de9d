package dev.sparsestream.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.tensor.Matrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Decoder.atoms against direct evaluations of the decoders' formulas, in double precision. */
class AtomsTest {

    @Test
    void linearAtomsAreTheColumnsOfW() {
        LinearDecoder dec = LinearDecoder.initialise(7, 12, new Random(3));
        Matrix atoms = dec.atoms(); // (l, d)
        assertEquals(7, atoms.rows());
        assertEquals(12, atoms.cols());
        for (int i = 0; i < 7; i++) {
            for (int p = 0; p < 12; p++) {
                assertEquals(dec.w().get(p, i), atoms.get(i, p), 1e-6, "atom " + i + " pixel " + p);
            }
        }
    }

    @Test
    void nonLinearAtomsAreDOfUnitCodesMinusDOfZero() {
        int l = 6;
        int m = 9;
        int d = 5;
        MlpDecoder dec = MlpDecoder.initialise(l, m, d, new Random(4));
        Random rng = new Random(5);
        for (int k = 0; k < m; k++) { // a bias with both signs, so that D(0) != 0 and some units are cut
            dec.b1().set(0, k, (float) (rng.nextGaussian() * 0.5));
        }
        Matrix atoms = dec.atoms();
        for (int i = 0; i < l; i++) {
            for (int p = 0; p < d; p++) {
                // D(e_i)_p - D(0)_p = sum_k W2[p,k] (relu(W1[k,i] + b1[k]) - relu(b1[k]))
                double expected = 0;
                for (int k = 0; k < m; k++) {
                    double b = dec.b1().get(0, k);
                    expected += dec.w2().get(p, k) * (Math.max(0, dec.w1().get(k, i) + b) - Math.max(0, b));
                }
                assertEquals(expected, atoms.get(i, p), 1e-5, "atom " + i + " pixel " + p);
            }
        }
    }
}
