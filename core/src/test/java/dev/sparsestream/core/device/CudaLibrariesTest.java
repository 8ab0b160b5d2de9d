package dev.sparsestream.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaLibrariesTest {
    @TempDir
    Path root;

    private Path library(String folder, String soname) throws IOException {
        Path dir = root.resolve(folder);
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(soname), "not really a library");
    }

    @Test
    void findsEachLibraryWhereAPyTorchMachineKeepsIt() throws IOException {
        // The layout of the GPU machine this project is lent: the toolkit's runtime under /usr/local/cuda, cuBLAS and
        // NVRTC in PyTorch's wheels, the driver in its own folder.
        Path cudart = library("usr/local/cuda/lib64", "libcudart.so.13");
        Path cublas = library("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib", "libcublas.so.13");
        Path lt = library("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib", "libcublasLt.so.13");
        Path nvrtc = library("opt/torch/.venv/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib", "libnvrtc.so.13");
        Path driver = library("usr/local/nvidia/lib64", "libcuda.so.1");
        CudaLibraries.Search s = CudaLibraries.find(Map.of(), root);
        assertTrue(s.complete(), s.whyNot());
        assertEquals(Map.of("libcudart.so.13", cudart, "libcublas.so.13", cublas, "libcublasLt.so.13", lt,
                "libnvrtc.so.13", nvrtc, "libcuda.so.1", driver), s.found());
        assertEquals(4, s.folders().size(), "cuBLAS and cuBLASLt share a folder");
    }

    @Test
    void aMissingLibraryIsNamedWithWhatItIsAndEveryFolderLookedIn() throws IOException {
        library("usr/local/cuda/lib64", "libcudart.so.13");
        library("usr/lib/x86_64-linux-gnu", "libcuda.so.1");
        Path mine = Files.createDirectories(root.resolve("my/cuda"));
        CudaLibraries.Search s = CudaLibraries.find(Map.of(CudaLibraries.FOLDERS_VARIABLE, mine.toString()), root);
        assertFalse(s.complete());
        assertEquals(List.of("libcublas.so.13", "libcublasLt.so.13", "libnvrtc.so.13"), s.missing());
        String why = s.whyNot();
        assertTrue(why.startsWith("CUDA libraries libcublas.so.13 (cuBLAS, the products), libcublasLt.so.13"), why);
        assertTrue(why.contains("libnvrtc.so.13 (NVRTC, which compiles the kernels at start) not found; looked in: "
                + mine + ", " + root.resolve("usr/local/cuda/lib64")), why);
        assertTrue(why.contains(root.resolve("usr/lib/x86_64-linux-gnu").toString()), why);
        assertTrue(why.endsWith("Put the folder that holds them in SPARSE_STREAM_CUDA_LIBS (several separated by ':')"), why);
        assertFalse(why.contains(root.resolve("usr/local/nvidia").toString()), "folders that do not exist are left out");
    }

    @Test
    void theUsersFoldersComeFirstAndADanglingLinkIsNoLibrary() throws IOException {
        library("usr/local/cuda/lib64", "libcudart.so.13");
        Path own = library("home/me/cuda", "libcudart.so.13");
        Path dir = Files.createDirectories(root.resolve("elsewhere"));
        Files.createSymbolicLink(dir.resolve("libcublas.so.13"), dir.resolve("libcublas.so.13.1.0.3")); // target absent
        CudaLibraries.Search s = CudaLibraries.find(Map.of("SPARSE_STREAM_CUDA_LIBS", own.getParent().toString(),
                "LD_LIBRARY_PATH", dir + ":"), root);
        assertEquals(own, s.found().get("libcudart.so.13"));
        assertTrue(s.missing().contains("libcublas.so.13"));
        assertEquals(List.of(own.getParent(), dir), s.searched().subList(0, 2));
    }

    @Test
    void nothingAtAllIsSaidPlainly() {
        CudaLibraries.Search s = CudaLibraries.find(Map.of(), root);
        assertEquals(CudaLibraries.REQUIRED.keySet().stream().toList(), s.missing());
        assertTrue(s.whyNot().contains("looked in: no folder that exists"), s.whyNot());
    }
}
