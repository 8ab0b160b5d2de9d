package dev.sparsestream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparsestream.core.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ComponentUsageTest {

    /** Over many batches of random sparse codes, the rolling fractions equal a direct count of the last window. */
    @Test
    void fractionsCountTheLastWindowOfBatches() {
        int l = 5;
        int window = 3;
        ComponentUsage usage = new ComponentUsage(l, window);
        Random rng = new Random(7);
        List<float[][]> history = new ArrayList<>();
        for (int b = 0; b < 10; b++) {
            int rows = 2 + rng.nextInt(4);
            float[][] codes = new float[rows][l];
            Matrix z = Matrix.zeros(rows + 1, l); // an extra row that must not be counted
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < l; j++) {
                    codes[i][j] = rng.nextDouble() < 0.3 * j / (l - 1.0) ? (float) rng.nextDouble() + 0.1f : 0f;
                    z.set(i, j, codes[i][j]);
                }
            }
            for (int j = 0; j < l; j++) {
                z.set(rows, j, 1f);
            }
            usage.add(z, rows);
            history.add(codes);

            float[] expected = new float[l];
            int samples = 0;
            for (float[][] batch : history.subList(Math.max(0, history.size() - window), history.size())) {
                samples += batch.length;
                for (float[] row : batch) {
                    for (int j = 0; j < l; j++) {
                        expected[j] += row[j] != 0f ? 1 : 0;
                    }
                }
            }
            for (int j = 0; j < l; j++) {
                expected[j] /= samples;
            }
            assertEquals(samples, usage.samples(), "batch " + b);
            assertArrayEquals(expected, usage.fractions(), 1e-6f, "batch " + b);
        }
        assertEquals(0f, usage.fractions()[0], "component 0 is never used");
    }

    @Test
    void emptyUsageIsZeroAndBadShapesAreRefused() {
        ComponentUsage usage = new ComponentUsage(3, 2);
        assertArrayEquals(new float[3], usage.fractions());
        assertThrows(IllegalArgumentException.class, () -> usage.add(Matrix.zeros(2, 4), 2));
        assertThrows(IllegalArgumentException.class, () -> usage.add(Matrix.zeros(2, 3), 3));
        assertThrows(IllegalArgumentException.class, () -> new ComponentUsage(0, 2));
    }
}
