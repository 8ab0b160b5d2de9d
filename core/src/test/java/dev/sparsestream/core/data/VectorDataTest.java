package dev.sparsestream.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.io.NpyBytes;
import dev.sparsestream.core.io.NpyFiles;
import dev.sparsestream.core.tensor.Matrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users' arrays: splits, folders, float64, the PSNR peak, and the errors named. */
class VectorDataTest {
    @TempDir
    Path tmp;

    /** Row i, column j holds i + j / 100: every value names its row. */
    private static Matrix rows(int from, int n, int d) {
        float[] v = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                v[i * d + j] = (from + i) + j / 100f;
            }
        }
        return Matrix.of(n, d, v);
    }

    @Test
    void aFolderIsConcatenatedAndSplitIntoDisjointSeededParts() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("acts"));
        NpyFiles.write(dir.resolve("a.npy"), rows(0, 600, 5));
        NpyFiles.write(dir.resolve("b.npy"), rows(600, 400, 5));
        Files.writeString(dir.resolve("notes.txt"), "not an array");
        VectorData v = VectorData.load(dir, 0.25, 0.25, 3, 250);
        Splits s = v.splits();
        assertEquals(500, s.train().size());
        assertEquals(250, s.val().size());
        assertEquals(250, s.test().size());
        assertEquals(2, v.files().size());
        Set<Integer> seen = new HashSet<>();
        for (Dataset part : new Dataset[] {s.train(), s.val(), s.test()}) {
            for (int i = 0; i < part.size(); i++) {
                int row = Math.round(part.get(i, 0));
                assertEquals(row + 0.04f, part.get(i, 4), 1e-3f);
                assertTrue(seen.add(row), "row " + row + " in two splits");
            }
        }
        assertEquals(1000, seen.size());
        // Same seed, same split; another seed, another split.
        Dataset again = VectorData.load(dir, 0.25, 0.25, 3, 250).splits().val();
        Dataset other = VectorData.load(dir, 0.25, 0.25, 4, 250).splits().val();
        boolean same = true;
        boolean differs = false;
        for (int i = 0; i < 250; i++) {
            same &= again.get(i, 0) == s.val().get(i, 0);
            differs |= other.get(i, 0) != s.val().get(i, 0);
        }
        assertTrue(same);
        assertTrue(differs);
        // The PSNR peak is the training split's range: pixels (x - min) / range span [0, 1] there.
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int i = 0; i < s.train().size(); i++) {
            for (int j = 0; j < 5; j++) {
                min = Math.min(min, s.train().get(i, j));
                max = Math.max(max, s.train().get(i, j));
            }
        }
        assertEquals(0, v.pixelSpace().toPixel(min), 1e-6);
        assertEquals(1, v.pixelSpace().toPixel(max), 1e-6);
    }

    @Test
    void float64IsRead() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1000 * 2 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2000; i++) {
            b.putDouble(i * 0.5);
        }
        Path f = tmp.resolve("x64.npy");
        Files.write(f, NpyBytes.of("<f8", "(1000, 2)", b.array()));
        VectorData v = VectorData.load(f, 0.25, 0.25, 1, 250);
        float[] firstTrain = {v.splits().train().get(0, 0), v.splits().train().get(0, 1)};
        assertEquals(firstTrain[0] + 0.5f, firstTrain[1]);
    }

    @Test
    void errorsNameTheProblem() throws IOException {
        Path ints = tmp.resolve("ints.npy");
        Files.write(ints, NpyBytes.of("<i4", "(2, 2)", new byte[16]));
        assertMessage(assertThrows(IOException.class, () -> VectorData.load(ints, 0.1, 0.1, 1, 2)), "int32", "float32");

        Path ragged = Files.createDirectories(tmp.resolve("ragged"));
        NpyFiles.write(ragged.resolve("a.npy"), rows(0, 10, 4));
        NpyFiles.write(ragged.resolve("b.npy"), rows(10, 10, 5));
        assertMessage(assertThrows(IOException.class, () -> VectorData.load(ragged, 0.1, 0.1, 1, 2)), "ragged",
                "a.npy", "4", "b.npy", "5");

        Matrix bad = rows(0, 10, 3);
        bad.data().put(7 * 3 + 2, Float.NaN);
        Path nan = tmp.resolve("nan.npy");
        NpyFiles.write(nan, bad);
        assertMessage(assertThrows(IOException.class, () -> VectorData.load(nan, 0.1, 0.1, 1, 2)), "NaN", "row 7",
                "column 2");

        Path small = tmp.resolve("small.npy");
        NpyFiles.write(small, rows(0, 1000, 3));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> VectorData.load(small, 0.1, 0.1, 1, 250)),
                "1000 rows", "validation", "one batch of 250");

        assertMessage(assertThrows(IllegalArgumentException.class, () -> VectorData.load(small, 0.6, 0.4, 1, 2)),
                "--val-fraction", "nothing to train");
        Path constant = tmp.resolve("constant.npy");
        NpyFiles.write(constant, Matrix.of(10, 1, new float[10]));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> VectorData.load(constant, 0.2, 0.2, 1, 2)),
                "constant");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertMessage(assertThrows(IOException.class, () -> VectorData.load(empty, 0.1, 0.1, 1, 2)), "no .npy");
        assertMessage(assertThrows(IOException.class, () -> VectorData.load(tmp.resolve("missing"), 0.1, 0.1, 1, 2)),
                "missing");
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
        }
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = VectorData.permutation(100, 9);
        int[] sorted = p.clone();
        java.util.Arrays.sort(sorted);
        int[] id = new int[100];
        for (int i = 0; i < 100; i++) {
            id[i] = i;
        }
        assertArrayEquals(id, sorted);
    }
}
