package dev.sparsestream.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA device's kernels (a resource, compiled with NVRTC at start on a GPU machine) compiled here with nvcc
 * for Hopper (compute capability 9.0), where nvcc is installed: a syntax or type error is caught without a GPU.
 * Skipped, and reported so, where there is no nvcc (CI). Nothing here runs a kernel.
 */
class CudaKernelsTest {
    static final String RESOURCE = "/dev/sparsestream/core/device/cuda/kernels.cu";

    /** One kernel for each fused step of the {@link Device} interface, and FISTA's two. */
    static final List<String> KERNELS = List.of("bias_relu", "relu_mask", "add_bias_relu", "add_relu", "difference",
            "relu_backward", "row_dots", "column_sums", "normalise_columns", "adam_step", "fista_hinge", "fista_step");

    @TempDir
    Path tmp;

    static String source() throws IOException {
        try (InputStream in = CudaKernelsTest.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE + " is on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** nvcc from NVCC, the PATH or /usr/local/cuda/bin, or null. */
    static Path nvcc() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("NVCC");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    @Test
    void everyKernelTheDeviceLaunchesIsDefinedOnceWithCLinkage() throws IOException {
        Matcher m = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(").matcher(source());
        List<String> defined = new ArrayList<>();
        while (m.find()) {
            defined.add(m.group(1));
        }
        assertEquals(KERNELS, defined);
    }

    @Test
    void theKernelsCompileForHopperWithNvcc() throws Exception {
        Path nvcc = nvcc();
        Assumptions.assumeTrue(nvcc != null, "no nvcc here (NVCC, PATH, /usr/local/cuda/bin): kernels not compiled");
        Path cu = Files.writeString(tmp.resolve("kernels.cu"), source());
        Path ptx = tmp.resolve("kernels.ptx");
        // The options NVRTC is given at start: no fused multiply-adds, warnings as errors.
        Process p = new ProcessBuilder(nvcc.toString(), "-arch=sm_90", "--ptx", "--fmad=false", "-Werror",
                "all-warnings", "-o", ptx.toString(), cu.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc finished within two minutes");
        assertEquals(0, p.exitValue(), "nvcc: " + out);
        String asm = Files.readString(ptx);
        for (String k : KERNELS) {
            assertTrue(asm.contains(".visible .entry " + k + "("), k + " is in the PTX");
        }
        assertTrue(asm.contains(".target sm_90"), "PTX for compute capability 9.0");
    }
}
