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

    @Test
    void rowSquaredDistancesAgreeWithAPlainSumPerRowAndAddUpToTheWhole() {
        Random rng = new Random(9);
        Matrix a = Matrix.uniform(4, 7, 2, rng);
        Matrix b = Matrix.uniform(4, 7, 2, rng);
        double[] rows = new double[5];
        rows[4] = -1;
        Matrix.rowSquaredDistances(a, b, rows);
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            double expected = 0;
            for (int j = 0; j < 7; j++) {
                double r = (double) a.get(i, j) - b.get(i, j);
                expected += r * r;
            }
            assertEquals(expected, rows[i], 1e-6 * expected, "row " + i);
            sum += rows[i];
        }
        assertEquals(-1, rows[4], "slots past the rows are left alone");
        assertEquals(Matrix.squaredDistance(a, b), sum, "the whole is the rows' sum in row order, to the bit");
        var e = assertThrows(IllegalArgumentException.class, () -> Matrix.rowSquaredDistances(a, b, new double[3]));
        assertEquals("rowSquaredDistances: 3 slots for 4 rows", e.getMessage());
    }
}
