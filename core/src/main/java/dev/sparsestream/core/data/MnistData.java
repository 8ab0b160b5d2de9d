package dev.sparsestream.core.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads MNIST as the paper uses it: the 60,000 training images split into 55,000 train and 5,000
 * validation images by the vendored index lists, and the 10,000 t10k test images; pixels normalised
 * with {@link Normalisation#MNIST}.
 *
 * <p>Directory convention: a data root ({@link #defaultDataDir()}, or the CLI's {@code --data-dir})
 * holds MNIST in its {@code mnist} subdirectory. {@link #load} and {@link MnistFetcher#fetch} take that
 * MNIST directory itself, i.e. {@code dataDir.resolve("mnist")}.
 */
public final class MnistData {

    /** Images in the MNIST training file. */
    public static final int TRAIN_FILE_COUNT = 60_000;
    /** Images in the MNIST test (t10k) file. */
    public static final int TEST_COUNT = 10_000;
    /** Rows of an image. */
    public static final int ROWS = 28;
    /** Columns of an image. */
    public static final int COLS = 28;
    /** Dimension d of a flattened image. */
    public static final int DIM = ROWS * COLS;
    /** Size of the paper's training split. */
    public static final int TRAIN_SPLIT_SIZE = 55_000;
    /** Size of the paper's validation split. */
    public static final int VAL_SPLIT_SIZE = 5_000;

    /** System property naming the data root; takes precedence over {@link #DATA_DIR_ENV}. */
    public static final String DATA_DIR_PROPERTY = "sparsestream.dataDir";
    /** Environment variable naming the data root. */
    public static final String DATA_DIR_ENV = "SPARSE_STREAM_DATA";
    /** Name of the MNIST subdirectory of the data root. */
    public static final String MNIST_SUBDIR = "mnist";

    private static final String SPLIT_DIR = "mnist-split/";
    private static final String TRAIN_SPLIT = "train-indices.txt";
    private static final String VAL_SPLIT = "val-indices.txt";

    private MnistData() {
    }

    /**
     * The data root: system property {@value #DATA_DIR_PROPERTY}, else environment variable
     * {@value #DATA_DIR_ENV}, else {@code data} (relative to the working directory). MNIST lives in
     * its {@value #MNIST_SUBDIR} subdirectory.
     *
     * @return the data root (not the MNIST directory)
     */
    public static Path defaultDataDir() {
        String prop = System.getProperty(DATA_DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(DATA_DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of("data");
    }

    /** @return {@code defaultDataDir().resolve("mnist")}, the directory {@link #load} expects */
    public static Path defaultMnistDir() {
        return defaultDataDir().resolve(MNIST_SUBDIR);
    }

    /**
     * Loads the three MNIST splits.
     *
     * <p>Each IDX file may be raw or gzip ({@code name.gz}). The files must have the MNIST sizes
     * (60,000 / 10,000 images of 28x28, matching label counts) and the SHA-256 sums of
     * {@link MnistFiles}; the sums are computed while reading (one pass), because a well-formed file of
     * the same sizes but different content (Fashion-MNIST uses the same names and sizes) would
     * otherwise load silently. A file verified by an earlier load and unchanged since (same size,
     * modification and change times and inode: {@link VerifiedFiles}) is not hashed again. The split lists
     * are verified against their vendored SHA256SUMS.
     *
     * @param mnistDir the MNIST directory itself ({@code <dataDir>/mnist}), not the data root
     * @return train (55,000 rows, split-file order), val (5,000, split-file order), test (10,000, file
     *         order); d = 784; labels 0..9
     * @throws FileNotFoundException if a file is missing; the message says how to fetch it
     * @throws IdxFormatException    if a file is malformed or has the wrong size (naming it)
     * @throws IOException           if a checksum does not match or reading fails
     */
    public static Splits load(Path mnistDir) throws IOException {
        Map<String, Path> files = locate(mnistDir);
        int[][] split = readSplit();

        Path trainImagesFile = files.get(MnistFiles.TRAIN_IMAGES);
        Path trainLabelsFile = files.get(MnistFiles.TRAIN_LABELS);
        Path testImagesFile = files.get(MnistFiles.TEST_IMAGES);
        Path testLabelsFile = files.get(MnistFiles.TEST_LABELS);

        VerifiedFiles verified = VerifiedFiles.of(mnistDir);
        IdxImages trainImages = readImagesChecked(trainImagesFile, MnistFiles.TRAIN_IMAGES, TRAIN_FILE_COUNT, verified);
        byte[] trainLabels = readLabelsChecked(trainLabelsFile, MnistFiles.TRAIN_LABELS, TRAIN_FILE_COUNT, verified);
        IdxReader.checkMatching(trainImagesFile, trainImages, trainLabelsFile, trainLabels);
        IdxImages testImages = readImagesChecked(testImagesFile, MnistFiles.TEST_IMAGES, TEST_COUNT, verified);
        byte[] testLabels = readLabelsChecked(testLabelsFile, MnistFiles.TEST_LABELS, TEST_COUNT, verified);
        IdxReader.checkMatching(testImagesFile, testImages, testLabelsFile, testLabels);
        verified.save();

        float[] lut = Normalisation.MNIST.lookupTable();
        Dataset train = gather("mnist-train", trainImages, trainLabels, split[0], lut);
        Dataset val = gather("mnist-val", trainImages, trainLabels, split[1], lut);
        Dataset test = gather("mnist-test", testImages, testLabels, null, lut);
        return new Splits(train, val, test);
    }

    /**
     * @return the paper's 55,000 training-split indices into the 60,000-image training file, in the
     *         vendored file's order (a fresh array)
     * @throws IOException if the vendored resource is missing, altered or invalid
     */
    public static int[] trainSplitIndices() throws IOException {
        return readSplit()[0];
    }

    /**
     * @return the paper's 5,000 validation-split indices into the 60,000-image training file, in the
     *         vendored file's order (a fresh array)
     * @throws IOException if the vendored resource is missing, altered or invalid
     */
    public static int[] valSplitIndices() throws IOException {
        return readSplit()[1];
    }

    private static Map<String, Path> locate(Path mnistDir) throws FileNotFoundException {
        Map<String, Path> files = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : MnistFiles.NAMES) {
            Optional<Path> p = MnistFiles.find(mnistDir, name);
            if (p.isPresent()) {
                files.put(name, p.get());
            } else {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            Path abs = mnistDir.toAbsolutePath().normalize();
            String how = abs.getFileName() != null && abs.getFileName().toString().equals(MNIST_SUBDIR)
                    && abs.getParent() != null
                    ? "run ./sparse-stream fetch mnist --data-dir " + mnistDir.toAbsolutePath().normalize().getParent()
                    : "run ./sparse-stream fetch mnist --data-dir DIR (it fetches into DIR/" + MNIST_SUBDIR + ")";
            throw new FileNotFoundException("MNIST data missing in " + mnistDir + ": no " + String.join(", ", missing)
                    + " (raw or .gz); " + how);
        }
        return files;
    }

    /** A file hashed before and unchanged since ({@link VerifiedFiles}) is read without hashing it again. */
    private static IdxImages readImagesChecked(Path file, String name, int expectedCount, VerifiedFiles verified)
            throws IOException {
        MessageDigest md = verified.unchanged(file, MnistFiles.SHA256.get(name)) ? null : MnistFiles.newSha256();
        IdxImages images = IdxReader.readImages(file, md);
        if (images.count() != expectedCount || images.rows() != ROWS || images.cols() != COLS) {
            throw new IdxFormatException(file, "not the MNIST " + name + ": expected " + expectedCount
                    + " images of " + ROWS + "x" + COLS + " but the file holds " + images.count() + " images of "
                    + images.rows() + "x" + images.cols());
        }
        checkSum(file, name, md, verified);
        return images;
    }

    private static byte[] readLabelsChecked(Path file, String name, int expectedCount, VerifiedFiles verified)
            throws IOException {
        MessageDigest md = verified.unchanged(file, MnistFiles.SHA256.get(name)) ? null : MnistFiles.newSha256();
        byte[] labels = IdxReader.readLabels(file, md);
        if (labels.length != expectedCount) {
            throw new IdxFormatException(file, "not the MNIST " + name + ": expected " + expectedCount
                    + " labels but the file holds " + labels.length);
        }
        checkSum(file, name, md, verified);
        return labels;
    }

    /** @param md the content's digest, or null when the file was verified before and has not changed */
    private static void checkSum(Path file, String name, MessageDigest md, VerifiedFiles verified) throws IOException {
        if (md == null) {
            return;
        }
        String actual = HexFormat.of().formatHex(md.digest());
        String expected = MnistFiles.SHA256.get(name);
        if (!actual.equals(expected)) {
            throw new IOException(file + ": content is not the original MNIST " + name + ": SHA-256 "
                    + actual + ", expected " + expected + " (of the uncompressed content). Delete it and run "
                    + "./sparse-stream fetch mnist");
        }
        verified.verified(file, actual);
    }

    /** Normalises the selected images (all, in order, when {@code indices} is null) into a new data set. */
    private static Dataset gather(String name, IdxImages images, byte[] labels, int[] indices, float[] lut) {
        int n = indices == null ? images.count() : indices.length;
        byte[] pix = images.pixels();
        float[] x = new float[n * DIM];
        int[] y = new int[n];
        for (int r = 0; r < n; r++) {
            int src = indices == null ? r : indices[r];
            int s = src * DIM;
            int t = r * DIM;
            // A 256-entry table: one load and one store per pixel, no division.
            for (int k = 0; k < DIM; k++) {
                x[t + k] = lut[pix[s + k] & 0xFF];
            }
            y[r] = labels[src] & 0xFF;
        }
        return new Dataset(name, x, n, DIM, y);
    }

    /**
     * Reads and validates the vendored split: SHA-256 against SHA256SUMS, 55,000 + 5,000 indices that
     * together cover 0..59,999 exactly once.
     */
    private static int[][] readSplit() throws IOException {
        byte[] sums = resource(SPLIT_DIR + "SHA256SUMS");
        Map<String, String> expected = new HashMap<>();
        for (String line : new String(sums, StandardCharsets.US_ASCII).split("\\R")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
                expected.put(f[1].startsWith("*") ? f[1].substring(1) : f[1], f[0].toLowerCase(java.util.Locale.ROOT));
            }
        }
        int[] train = readIndices(TRAIN_SPLIT, expected.get(TRAIN_SPLIT), TRAIN_SPLIT_SIZE);
        int[] val = readIndices(VAL_SPLIT, expected.get(VAL_SPLIT), VAL_SPLIT_SIZE);
        int[] seen = new int[TRAIN_FILE_COUNT];
        for (int[] part : new int[][] {train, val}) {
            for (int i : part) {
                if (i < 0 || i >= TRAIN_FILE_COUNT) {
                    throw new IOException("MNIST split resource holds index " + i + ", outside 0.." + (TRAIN_FILE_COUNT - 1));
                }
                if (seen[i]++ > 0) {
                    throw new IOException("MNIST split resource holds index " + i + " more than once");
                }
            }
        }
        return new int[][] {train, val};
    }

    private static int[] readIndices(String file, String expectedSha, int expectedCount) throws IOException {
        if (expectedSha == null) {
            throw new IOException("MNIST split resource " + SPLIT_DIR + "SHA256SUMS has no line for " + file);
        }
        byte[] bytes = resource(SPLIT_DIR + file);
        String actual = HexFormat.of().formatHex(MnistFiles.newSha256().digest(bytes));
        if (!actual.equals(expectedSha)) {
            throw new IOException("MNIST split resource " + SPLIT_DIR + file + " has SHA-256 " + actual
                    + ", expected " + expectedSha + " from SHA256SUMS (altered file, or line endings converted?)");
        }
        String[] lines = new String(bytes, StandardCharsets.US_ASCII).strip().split("\n");
        if (lines.length != expectedCount) {
            throw new IOException("MNIST split resource " + file + " has " + lines.length + " indices, expected "
                    + expectedCount);
        }
        int[] out = new int[lines.length];
        for (int i = 0; i < lines.length; i++) {
            try {
                out[i] = Integer.parseInt(lines[i].strip());
            } catch (NumberFormatException e) {
                throw new IOException("MNIST split resource " + file + " line " + (i + 1) + " is not an index: '"
                        + lines[i] + "'", e);
            }
        }
        return out;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = MnistData.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("classpath resource missing: " + MnistData.class.getPackageName().replace('.', '/')
                        + "/" + name);
            }
            return in.readAllBytes();
        }
    }
}
