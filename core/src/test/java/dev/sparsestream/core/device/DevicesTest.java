package dev.sparsestream.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void opensTheCpuByNameInAnyCase() {
        assertSame(Devices.cpu(), Devices.open("cpu"));
        assertSame(Devices.cpu(), Devices.open(" CPU "));
        assertEquals("cpu", Devices.cpu().name());
        assertTrue(Devices.cpu().describe().contains("OpenBLAS"), Devices.cpu().describe());
    }

    @Test
    void refusesDevicesThisBuildLacksNamingTheValueAndWhatIsAvailable() {
        for (String name : new String[] {"cuda", "cuda:1"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Devices.open(name));
            // Either a library is missing (named, with where it was looked for), or the device is not finished.
            boolean missing = e.getMessage().contains("not found; looked in: ");
            boolean unfinished = e.getMessage().contains("CUDA device is not finished")
                    && e.getMessage().contains("available: cpu");
            assertTrue(e.getMessage().startsWith("--device " + name + ": ") && (missing || unfinished), e.getMessage());
            assertEquals(!CudaLibraries.find().complete(), missing, e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Devices.open("tpu"));
        assertTrue(e.getMessage().contains("--device tpu: unknown device; available: cpu"), e.getMessage());
    }

    @Test
    void matricesAndModelsLiveOnTheirDevice() {
        Matrix m = Devices.cpu().of(2, 3, new float[] {1, 2, 3, 4, 5, 6});
        assertSame(Devices.cpu(), m.device());
        assertSame(Devices.cpu(), m.copy().device());
        assertEquals(0f, Devices.cpu().zeros(3, 3).get(2, 2)); // native memory starts zeroed
        SparseAutoencoder model = SparseAutoencoder.initialise(Presets.mnist(Family.VDL_NL));
        assertSame(Devices.cpu(), model.device());
        assertSame(model, model.to(Devices.cpu()));
    }

    @Test
    void productsOnTheFirstRowsLeaveTheOthersAlone() {
        Matrix a = Matrix.of(3, 2, new float[] {1, 2, 3, 4, 5, 6});
        Matrix b = Matrix.of(2, 2, new float[] {1, 0, 0, 2});
        Matrix c = Matrix.of(3, 2, new float[] {9, 9, 9, 9, 9, 9});
        Matrix.gemmRows(a, b, false, c, 1f, 0f, 2);
        assertEquals(java.util.List.of(1f, 4f, 3f, 8f, 9f, 9f), boxed(c.toArray()));
    }

    @Test
    void productsOnAFewRowsWithALargeOperandAgreeWithAProductInDouble() {
        // B of 400 x 512 is large enough that 1 to 4 rows go through matrix-vector products, 5 through one sgemm.
        int k = 400;
        int n = 512;
        java.util.Random rng = new java.util.Random(3);
        Matrix a = Matrix.uniform(6, k, 1, rng);
        Matrix b = Matrix.uniform(k, n, 1, rng);   // op(B) = B
        Matrix bt = Matrix.uniform(n, k, 1, rng);  // op(B) = B^T
        for (boolean transB : new boolean[] {false, true}) {
            Matrix op = transB ? bt : b;
            for (int rows = 1; rows <= 5; rows++) {
                Matrix c = Matrix.uniform(6, n, 1, rng);
                float[] before = c.toArray();
                Matrix.gemmRows(a, op, transB, c, 0.5f, -2f, rows);
                for (int i = 0; i < 6; i++) {
                    for (int j = 0; j < n; j++) {
                        if (i >= rows) {
                            assertEquals(before[i * n + j], c.get(i, j), "row " + i + " beyond the rows is left alone");
                            continue;
                        }
                        double dot = 0;
                        for (int q = 0; q < k; q++) {
                            dot += (double) a.get(i, q) * (transB ? op.get(j, q) : op.get(q, j));
                        }
                        double expected = 0.5 * dot - 2 * before[i * n + j];
                        assertEquals(expected, c.get(i, j), 1e-4, "C[" + i + "][" + j + "], " + rows + " rows, transB " + transB);
                    }
                }
            }
        }
    }

    private static java.util.List<Float> boxed(float[] v) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (float f : v) {
            out.add(f);
        }
        return out;
    }
}
