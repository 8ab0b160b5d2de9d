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
            assertTrue(e.getMessage().contains("--device " + name) && e.getMessage().contains("no CUDA device")
                    && e.getMessage().contains("available: cpu"), e.getMessage());
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

    private static java.util.List<Float> boxed(float[] v) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (float f : v) {
            out.add(f);
        }
        return out;
    }
}
