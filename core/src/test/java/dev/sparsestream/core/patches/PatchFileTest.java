package dev.sparsestream.core.patches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchFileTest {
    @TempDir
    Path tmp;

    static PatchFile.Patches random(int n, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * 784];
        float[] m = new float[n * 784];
        float[] s = new float[n * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
            m[i] = (float) (rng.nextGaussian() * 2);
            s[i] = (float) (0.05 + rng.nextDouble());
        }
        return new PatchFile.Patches(n, x, m, s);
    }

    static PatchFile.Header header(int train, int val, int test) {
        return new PatchFile.Header(28, train, val, test, 7, "photos/", 12, 1, 0.457, 0.259, 0.5);
    }

    @Test
    void roundTripKeepsPatchesExactlyAndMapsToHalfPrecision() throws Exception {
        PatchFile.Patches all = random(7, 1);
        Path f = tmp.resolve("p.bin");
        PatchFile.write(f, header(4, 2, 1), all);
        assertEquals(16 + PatchFile.RECORD * 7L + 32, Files.size(f) - jsonLength(f));
        PatchFile.Contents c = PatchFile.read(f);
        assertEquals(header(4, 2, 1), c.header());
        assertEquals(4, c.train().count());
        assertArrayEquals(Arrays.copyOfRange(all.x(), 0, 4 * 784), c.train().x());
        assertArrayEquals(Arrays.copyOfRange(all.x(), 6 * 784, 7 * 784), c.test().x());
        for (int i = 0; i < 2 * 784; i++) {
            float m = all.mean()[4 * 784 + i];
            float s = all.std()[4 * 784 + i];
            assertEquals(m, c.val().mean()[i], Math.abs(m) * 0x1p-11f, "mean " + i);
            assertEquals(s, c.val().std()[i], s * 0x1p-11f, "std " + i);
        }
    }

    @Test
    void truncatedPaddedOrAlteredFilesAreRefusedByName() throws Exception {
        Path f = tmp.resolve("p.bin");
        PatchFile.write(f, header(3, 1, 1), random(5, 2));
        byte[] good = Files.readAllBytes(f);

        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(good, good.length - 100));
        assertMessage(cut, "truncated");
        Path longer = tmp.resolve("long.bin");
        Files.write(longer, Arrays.copyOf(good, good.length + 4));
        assertMessage(longer, "longer than its header says");
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        Path bad = tmp.resolve("flip.bin");
        Files.write(bad, flipped);
        assertMessage(bad, "SHA-256 does not match");
        byte[] magic = good.clone();
        magic[0] = 'X';
        Path other = tmp.resolve("other.bin");
        Files.write(other, magic);
        assertMessage(other, "not a sparse-stream patch file");
        byte[] version = good.clone();
        version[8] = 9;
        Path v = tmp.resolve("v9.bin");
        Files.write(v, version);
        assertMessage(v, "format version 9");
        Path tiny = tmp.resolve("tiny.bin");
        Files.write(tiny, Arrays.copyOf(good, 10));
        assertMessage(tiny, "truncated");
        assertMessage(tmp.resolve("missing.bin"), "patches build");
    }

    @Test
    void aFailedWriteLeavesThePreviousFile() throws Exception {
        Path f = tmp.resolve("p.bin");
        PatchFile.write(f, header(2, 0, 0), random(2, 3));
        byte[] before = Files.readAllBytes(f);
        assertThrows(IllegalArgumentException.class, () -> PatchFile.write(f, header(3, 0, 0), random(2, 4)));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    private static long jsonLength(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        return (b[12] & 0xff) | (b[13] & 0xff) << 8 | (b[14] & 0xff) << 16 | (b[15] & 0xff) << 24;
    }

    private static void assertMessage(Path file, String part) {
        IOException e = assertThrows(IOException.class, () -> PatchFile.read(file));
        assertTrue(e.getMessage().contains(part) && e.getMessage().contains(file.getFileName().toString()),
                e.getMessage());
    }
}
