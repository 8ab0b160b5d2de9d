package dev.sparsestream.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MatrixTest {
    @Test
    void squaredDistanceAgreesWithAPlainSumOnRowsOfEveryLengthModuloFour() {
        Random rng = new Random(5);
        for (int cols = 1; cols <= 9; cols++) {
            Matrix a = Matrix.uniform(3, cols, 2, rng);
            Matrix b = Matrix.uniform(3, cols, 2, rng);
            double expected = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < cols; j++) {
                    double r = (double) a.get(i, j) - b.get(i, j);
                    expected += r * r;
                }
            }
            assertEquals(expected, Matrix.squaredDistance(a, b), 1e-6 * expected, cols + " columns");
            assertEquals(expected, Matrix.squaredDistance(b, a), 1e-6 * expected, cols + " columns, swapped");
        }
        assertEquals(0, Matrix.squaredDistance(Matrix.zeros(2, 5), Matrix.zeros(2, 5)));
        var e = assertThrows(IllegalArgumentException.class, () -> Matrix.squaredDistance(Matrix.zeros(2, 5), Matrix.zeros(5, 2)));
        assertEquals("squaredDistance: expected 2 x 5, got 5 x 2", e.getMessage());
    }
}
