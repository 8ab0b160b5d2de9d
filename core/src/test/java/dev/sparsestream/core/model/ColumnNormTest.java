package dev.sparsestream.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.tensor.Matrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ColumnNormTest {

    @Test
    void handComputedTwoByThree() {
        // columns (3, 4) -> norm 5; (0, 0) -> stays zero; (1, -1) -> norm sqrt 2
        Matrix w = Matrix.of(2, 3, new float[] {3, 0, 1, 4, 0, -1});
        new LinearDecoder(w).normaliseColumns();
        double r = 1 / Math.sqrt(2);
        double[] expected = {0.6, 0, r, 0.8, 0, -r};
        float[] got = w.toArray();
        for (int i = 0; i < 6; i++) {
            assertEquals(expected[i], got[i], 1e-7, "entry " + i);
        }
        assertEquals(0f, w.get(0, 1));
        assertEquals(0f, w.get(1, 1));
        assertEquals(false, Float.isNaN(w.get(0, 1)));
    }

    /** Every column of the result has unit norm and points the same way as the original column. */
    static void assertUnitColumns(String what, float[] before, Matrix after) {
        int rows = after.rows();
        int cols = after.cols();
        for (int j = 0; j < cols; j++) {
            double norm0 = 0;
            double norm1 = 0;
            for (int i = 0; i < rows; i++) {
                norm0 += (double) before[i * cols + j] * before[i * cols + j];
                norm1 += (double) after.get(i, j) * after.get(i, j);
            }
            norm0 = Math.sqrt(norm0);
            assertEquals(1.0, Math.sqrt(norm1), 1e-6, what + " column " + j);
            for (int i = 0; i < rows; i++) {
                assertEquals(before[i * cols + j] / norm0, after.get(i, j), 1e-6, what + " [" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void linearDecoderColumnsBecomeUnit() {
        Random rng = new Random(1);
        Matrix w = Matrix.uniform(7, 5, 3.0, rng);
        float[] before = w.toArray();
        new LinearDecoder(w).normaliseColumns();
        assertUnitColumns("W", before, w);
    }

    @Test
    void mlpDecoderNormalisesBothWeightMatricesButNotTheBias() {
        Random rng = new Random(2);
        Matrix w1 = Matrix.uniform(4, 5, 2.0, rng);
        Matrix b1 = Matrix.uniform(1, 4, 2.0, rng);
        Matrix w2 = Matrix.uniform(7, 4, 0.1, rng);
        // a zero column in W1 stays zero
        for (int i = 0; i < 4; i++) {
            w1.set(i, 2, 0f);
        }
        float[] w1Before = w1.toArray();
        float[] b1Before = b1.toArray();
        float[] w2Before = w2.toArray();
        new MlpDecoder(w1, b1, w2).normaliseColumns();
        assertArrayEquals(b1Before, b1.toArray());
        assertUnitColumns("W2", w2Before, w2);
        for (int j = 0; j < 5; j++) {
            double norm0 = 0;
            double norm1 = 0;
            for (int i = 0; i < 4; i++) {
                norm0 += (double) w1Before[i * 5 + j] * w1Before[i * 5 + j];
                norm1 += (double) w1.get(i, j) * w1.get(i, j);
            }
            if (j == 2) {
                assertEquals(0.0, norm1, 0.0, "the zero column stays zero");
            } else {
                assertEquals(1.0, Math.sqrt(norm1), 1e-6, "W1 column " + j);
                for (int i = 0; i < 4; i++) {
                    assertEquals(w1Before[i * 5 + j] / Math.sqrt(norm0), w1.get(i, j), 1e-6);
                }
            }
        }
    }

    @Test
    void columnNormFamiliesStartNormalised() {
        var b = Presets.mnist(Family.SDL).toBuilder();
        b.dataDim = 9;
        b.codeDim = 6;
        SparseAutoencoder m = SparseAutoencoder.initialise(b.build());
        Matrix w = ((LinearDecoder) m.decoder()).w();
        for (int j = 0; j < w.cols(); j++) {
            double s = 0;
            for (int i = 0; i < w.rows(); i++) {
                s += (double) w.get(i, j) * w.get(i, j);
            }
            assertEquals(1.0, Math.sqrt(s), 1e-6);
        }
    }
}
