package dev.sparsestream.core.device;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the CUDA 13 libraries a GPU device loads: they come from the machine, never from the project's jars
 * (the toolkit's redistributable jars are far too large to carry). Looked for, in this order: the folders in
 * {@code SPARSE_STREAM_CUDA_LIBS}, then {@code LD_LIBRARY_PATH}, {@code CUDA_HOME}/{@code CUDA_PATH}, the
 * toolkit's usual folders under {@code /usr/local}, the {@code nvidia} wheels of Python's packages (PyTorch's
 * CUDA comes so: {@code site-packages/nvidia/cublas/lib}, or {@code nvidia/cu13/lib}), and the driver's folders
 * ({@code libcuda.so.1} is the driver's, not the toolkit's). The first folder holding a library wins.
 */
public final class CudaLibraries {
    /** What a CUDA device needs, by soname, and what each is for (named in the error when it is missing). */
    public static final Map<String, String> REQUIRED = requiredLibraries();

    /** The folders to look in first, separated as in a PATH. */
    public static final String FOLDERS_VARIABLE = "SPARSE_STREAM_CUDA_LIBS";

    private static Map<String, String> requiredLibraries() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("libcudart.so.13", "the CUDA 13 runtime");
        m.put("libcublas.so.13", "cuBLAS, the products");
        m.put("libcublasLt.so.13", "cuBLASLt, which cuBLAS loads");
        m.put("libnvrtc.so.13", "NVRTC, which compiles the kernels at start");
        m.put("libcuda.so.1", "the NVIDIA driver");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Where each library was found and which folders were searched (those that exist, in order).
     *
     * @param found    soname to file, for those found
     * @param missing  the sonames found nowhere
     * @param searched the folders looked in
     */
    public record Search(Map<String, Path> found, List<String> missing, List<Path> searched) {
        public boolean complete() {
            return missing.isEmpty();
        }

        /** The folders that hold what was found, each once, in search order. */
        public List<Path> folders() {
            return found.values().stream().map(Path::getParent).distinct().toList();
        }

        /** Why a CUDA device cannot start here: each missing library, what it is, and where it was looked for. */
        public String whyNot() {
            String names = missing.stream().map(s -> s + " (" + REQUIRED.get(s) + ")").collect(Collectors.joining(", "));
            String where = searched.isEmpty() ? "no folder that exists" : searched.stream().map(Path::toString)
                    .collect(Collectors.joining(", "));
            return (missing.size() == 1 ? "CUDA library " : "CUDA libraries ") + names + " not found; looked in: "
                    + where + ". Put the folder that holds " + (missing.size() == 1 ? "it" : "them") + " in "
                    + FOLDERS_VARIABLE + " (several separated by '" + File.pathSeparator + "')";
        }
    }

    private CudaLibraries() {
    }

    /** Searches this machine. */
    public static Search find() {
        return find(System.getenv(), Path.of("/"));
    }

    /**
     * @param env  the environment (the variables named above, and HOME and VIRTUAL_ENV)
     * @param root what the usual absolute folders are resolved against: "/" on a machine, a test's folder
     */
    public static Search find(Map<String, String> env, Path root) {
        List<Path> folders = new ArrayList<>();
        for (String variable : List.of(FOLDERS_VARIABLE, "LD_LIBRARY_PATH")) {
            String v = env.get(variable);
            if (v != null) {
                for (String f : v.split(File.pathSeparator)) {
                    if (!f.isBlank()) {
                        folders.add(Path.of(f));
                    }
                }
            }
        }
        for (String variable : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.get(variable);
            if (v != null && !v.isBlank()) {
                toolkitFolders(Path.of(v), folders);
            }
        }
        Path usrLocal = root.resolve("usr/local");
        toolkitFolders(usrLocal.resolve("cuda"), folders);
        for (Path p : children(usrLocal, "cuda-13*")) {
            toolkitFolders(p, folders);
        }
        for (Path sitePackages : sitePackages(env, root)) {
            Path nvidia = sitePackages.resolve("nvidia");
            for (Path wheel : children(nvidia, "*")) {
                folders.add(wheel.resolve("lib"));
            }
        }
        for (String driver : List.of("usr/local/nvidia/lib64", "usr/local/nvidia/lib", "usr/lib/x86_64-linux-gnu",
                "lib/x86_64-linux-gnu", "usr/lib64", "usr/lib/wsl/lib")) {
            folders.add(root.resolve(driver));
        }
        // Each folder once, as first named: /usr/local/cuda is often a link to /usr/local/cuda-13.0, /lib to /usr/lib.
        Set<Path> real = new LinkedHashSet<>();
        List<Path> searched = new ArrayList<>();
        for (Path f : folders) {
            if (Files.isDirectory(f) && real.add(realPath(f))) {
                searched.add(f.toAbsolutePath().normalize());
            }
        }
        Map<String, Path> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String soname : REQUIRED.keySet()) {
            Path hit = null;
            for (Path f : searched) {
                Path candidate = f.resolve(soname);
                if (Files.isRegularFile(candidate)) { // follows links: a dangling one does not count
                    hit = candidate;
                    break;
                }
            }
            if (hit != null) {
                found.put(soname, hit);
            } else {
                missing.add(soname);
            }
        }
        return new Search(found, missing, List.copyOf(searched));
    }

    private static Path realPath(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }

    private static void toolkitFolders(Path home, List<Path> into) {
        into.add(home.resolve("lib64"));
        into.add(home.resolve("lib"));
        into.add(home.resolve("targets/x86_64-linux/lib"));
    }

    /** Python's package folders: the active virtual environment's, PyTorch images', the user's and the system's. */
    private static List<Path> sitePackages(Map<String, String> env, Path root) {
        List<Path> prefixes = new ArrayList<>();
        String venv = env.get("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            prefixes.add(Path.of(venv).resolve("lib"));
        }
        prefixes.add(root.resolve("opt/torch/.venv/lib"));
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            prefixes.add(Path.of(home).resolve(".local/lib"));
        }
        prefixes.add(root.resolve("usr/local/lib"));
        prefixes.add(root.resolve("usr/lib"));
        List<Path> out = new ArrayList<>();
        for (Path prefix : prefixes) {
            for (Path python : children(prefix, "python3*")) {
                out.add(python.resolve("site-packages"));
                out.add(python.resolve("dist-packages"));
            }
        }
        out.add(root.resolve("usr/lib/python3/dist-packages"));
        return out;
    }

    /** The sub-folders of {@code dir} matching a glob, sorted; none if it does not exist. */
    private static List<Path> children(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            for (Path p : s) {
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            return out; // an unreadable folder is one not searched
        }
        out.sort(null);
        return out;
    }
}
