package dev.sparsestream.core.data;

import dev.sparsestream.core.io.NpyFiles;
import dev.sparsestream.core.tensor.Matrix;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Users' own vectors (embeddings, network activations): a float32 or float64 {@code .npy} array of shape
 * (n, d), or a folder of them with the same d (concatenated in file-name order), split at random into
 * train, validation and test.
 *
 * <p>The values are used as they are. PSNR needs a peak: it is the training split's range
 * {@code max - min} (over all its values), i.e. "pixels" are {@code (x - min) / (max - min)} and
 * {@code PSNR = 10 log10(range^2 / mse)} (see {@link #pixelSpace()}).
 */
public final class VectorData {
    private final Splits splits;
    private final Normalisation pixelSpace;
    private final List<Path> files;

    private VectorData(Splits splits, Normalisation pixelSpace, List<Path> files) {
        this.splits = splits;
        this.pixelSpace = pixelSpace;
        this.files = files;
    }

    /** The train, validation and test splits. */
    public Splits splits() {
        return splits;
    }

    /** Pixel space for PSNR and pictures: p = (x - min) / range, i.e. mean = -min / range, std = 1 / range. */
    public Normalisation pixelSpace() {
        return pixelSpace;
    }

    /** The files read, in order. */
    public List<Path> files() {
        return files;
    }

    /**
     * @param path          a .npy file or a folder of .npy files
     * @param valFraction   fraction of the rows for validation, in (0, 1)
     * @param testFraction  fraction of the rows for test, in (0, 1); together with valFraction below 1
     * @param seed          seed of the random split
     * @param batchSize     every split must hold at least one batch
     */
    public static VectorData load(Path path, double valFraction, double testFraction, long seed, int batchSize)
            throws IOException {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("--val-fraction must be in (0, 1), got " + valFraction);
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in (0, 1), got " + testFraction);
        }
        if (!(valFraction + testFraction < 1)) {
            throw new IllegalArgumentException("--val-fraction " + valFraction + " and --test-fraction " + testFraction
                    + " leave nothing to train on (their sum must be below 1)");
        }
        List<Path> files = files(path);
        List<Matrix> parts = new ArrayList<>();
        long rows = 0;
        int d = -1;
        for (Path f : files) {
            Matrix m = NpyFiles.readMatrix(f);
            if (d >= 0 && m.cols() != d) {
                throw new NpyFiles.FormatException(path + " is ragged: " + files.get(0).getFileName() + " has rows of " + d
                        + " values but " + f.getFileName() + " has rows of " + m.cols()
                        + "; every file of a folder must have the same d");
            }
            d = m.cols();
            rows += m.rows();
            parts.add(m);
        }
        if (rows * d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(path + " holds " + rows + " x " + d + " values, more than one array can ("
                    + Integer.MAX_VALUE + "); use fewer files");
        }
        int n = (int) rows;
        int nVal = (int) Math.round(n * valFraction);
        int nTest = (int) Math.round(n * testFraction);
        int nTrain = n - nVal - nTest;
        int smallest = Math.min(nTrain, Math.min(nVal, nTest));
        if (smallest < batchSize) {
            throw new IllegalArgumentException(path + " has " + n + " rows: split into " + nTrain + " train, " + nVal
                    + " validation and " + nTest + " test rows, " + (smallest == nTrain ? "the training split"
                    : smallest == nVal ? "the validation split" : "the test split") + " is smaller than one batch of "
                    + batchSize + " (give more rows, other --val-fraction/--test-fraction, or a smaller batch)");
        }
        float[] x = new float[n * d];
        int at = 0;
        for (Matrix m : parts) {
            m.data().get(0, x, at, m.rows() * d);
            at += m.rows() * d;
        }
        parts.clear();
        Dataset all = new Dataset(path.getFileName().toString(), x, n, d, null);
        int[] perm = permutation(n, seed);
        int[] val = java.util.Arrays.copyOfRange(perm, 0, nVal);
        int[] test = java.util.Arrays.copyOfRange(perm, nVal, nVal + nTest);
        int[] train = java.util.Arrays.copyOfRange(perm, nVal + nTest, n);
        // File order within each split, so that a split reads like the data.
        java.util.Arrays.sort(val);
        java.util.Arrays.sort(test);
        java.util.Arrays.sort(train);
        String name = path.getFileName().toString();
        Splits splits = new Splits(all.select(name + " train", train), all.select(name + " validation", val),
                all.select(name + " test", test));
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int r : train) {
            for (int j = 0; j < d; j++) {
                float v = x[r * d + j];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        double range = (double) max - min;
        if (!(range > 0)) {
            throw new IllegalArgumentException(path + ": every training value is " + min
                    + "; constant data has no range to compute PSNR with (and nothing to learn)");
        }
        return new VectorData(splits, new Normalisation(-min / range, 1 / range), List.copyOf(files));
    }

    /** A seeded Fisher-Yates permutation of 0..n-1. */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random rng = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static List<Path> files(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new FileNotFoundException("no file or folder " + path + " (--data takes a .npy file or a folder of them)");
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(path)) {
            found = s.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".npy"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
        if (found.isEmpty()) {
            throw new FileNotFoundException(path + " holds no .npy file");
        }
        return found;
    }
}
