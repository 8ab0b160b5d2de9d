package dev.sparsestream.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Where the CUDA libraries are not all here (CI, this project's development machines), the probe says which are
 * missing and where it looked, and exits 2; where they are (a GPU machine), every one of its checks against the
 * CPU must pass.
 */
class CudaProbeTest {
    @Test
    void withoutTheLibrariesItSaysWhyAndWithThemEveryCheckPasses() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = CudaProbe.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        if (!CudaLibraries.find().complete()) {
            assertEquals(2, status, out);
            assertTrue(out.startsWith("cuda: CUDA librar") && out.contains("not found; looked in: "), out);
        } else {
            assertEquals(0, status, out);
            assertTrue(out.contains("all checks passed"), out);
        }
    }
}
