package dev.sparsestream.core.patches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchBuilderTest {
    @TempDir
    Path tmp;

    /** A textured photo-like image: smooth gradients plus edges plus noise. */
    static BufferedImage texture(int w, int h, long seed, int type) {
        Random rng = new Random(seed);
        BufferedImage im = new BufferedImage(w, h, type);
        double fx = 0.05 + rng.nextDouble() * 0.2;
        double fy = 0.05 + rng.nextDouble() * 0.2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 128 + 60 * Math.sin(x * fx) * Math.cos(y * fy) + ((x / 17 + y / 13) % 2) * 40
                        + rng.nextGaussian() * 10;
                int g = (int) Math.max(0, Math.min(255, v));
                im.setRGB(x, y, g << 16 | (255 - g) << 8 | (g / 2));
            }
        }
        return im;
    }

    Path folder() throws IOException {
        Path dir = tmp.resolve("photos");
        Files.createDirectories(dir.resolve("n01440764"));
        ImageIO.write(texture(300, 200, 1, BufferedImage.TYPE_INT_RGB), "jpg", dir.resolve("a.jpg").toFile());
        ImageIO.write(texture(180, 260, 2, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("b.png").toFile());
        ImageIO.write(texture(400, 300, 3, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("grey.png").toFile());
        ImageIO.write(texture(320, 240, 4, BufferedImage.TYPE_INT_RGB), "jpg",
                dir.resolve("n01440764/n01440764_10026.JPEG").toFile()); // ImageNet's layout and extension
        byte[] jpeg = Files.readAllBytes(dir.resolve("a.jpg"));
        Files.write(dir.resolve("broken.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.writeString(dir.resolve("notes.png"), "not an image");
        Files.writeString(dir.resolve("readme.txt"), "ignored: not an image name");
        return dir;
    }

    @Test
    void buildsTheRequestedCountsFromGoodImagesSkippingAndNamingBadOnes() throws Exception {
        Path dir = folder();
        PatchBuilder.Result r = PatchBuilder.build(new PatchBuilder.Config(dir, 300, 20, 10, 5), PatchBuilder.Progress.NONE);
        assertEquals(6, r.files(), "jpg, png, JPEG in a class folder; not the .txt");
        assertEquals(330, r.patches().count());
        assertEquals(2, r.failureCount());
        assertTrue(r.failures().stream().anyMatch(f -> f.contains("broken.jpg")), r.failures().toString());
        assertTrue(r.failures().stream().anyMatch(f -> f.contains("notes.png")), r.failures().toString());
        assertEquals(2, r.header().imagesSkipped());
        assertTrue(r.cropsTried() >= 330);
        for (int i = 0; i < 330; i++) {
            assertTrue(Lcn.pixelStd(r.patches().x(), i) >= 0.5, "patch " + i + " passed the std rule");
        }
        // Undoing LCN and the grey normalisation gives grey levels in [0, 1] (up to float error).
        for (int k = 0; k < 330 * 784; k += 97) {
            double v = 0.259 * (r.patches().x()[k] * r.patches().std()[k] + r.patches().mean()[k]) + 0.457;
            assertTrue(v > -1e-3 && v < 1 + 1e-3, "pixel " + k + " = " + v);
        }
    }

    @Test
    void theSameSeedGivesTheSamePatchesAndAnotherSeedOthers() throws Exception {
        Path dir = folder();
        PatchBuilder.Result a = PatchBuilder.build(new PatchBuilder.Config(dir, 100, 0, 0, 9), PatchBuilder.Progress.NONE);
        PatchBuilder.Result b = PatchBuilder.build(new PatchBuilder.Config(dir, 100, 0, 0, 9), PatchBuilder.Progress.NONE);
        PatchBuilder.Result c = PatchBuilder.build(new PatchBuilder.Config(dir, 100, 0, 0, 10), PatchBuilder.Progress.NONE);
        assertArrayEquals(a.patches().x(), b.patches().x());
        assertArrayEquals(a.patches().std(), b.patches().std());
        assertFalse(Arrays.equals(a.patches().x(), c.patches().x()));
    }

    @Test
    void aFolderWithoutAUsableImageIsAnError() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IOException none = assertThrows(IOException.class, () -> PatchBuilder.build(
                new PatchBuilder.Config(empty, 10, 0, 0, 1), PatchBuilder.Progress.NONE));
        assertTrue(none.getMessage().contains("no JPEG or PNG files"), none.getMessage());

        Path junk = Files.createDirectories(tmp.resolve("junk"));
        Files.writeString(junk.resolve("x.jpg"), "nope");
        IOException bad = assertThrows(IOException.class, () -> PatchBuilder.build(
                new PatchBuilder.Config(junk, 10, 0, 0, 1), PatchBuilder.Progress.NONE));
        assertTrue(bad.getMessage().contains("no usable image") && bad.getMessage().contains("x.jpg"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PatchBuilder.Config(junk, 0, 1, 1, 1));
    }

    @Test
    void cachedAndUncachedImagesGiveTheSamePatches() throws Exception {
        // Uncached images are resized only in their crop's window; cached ones as a whole, then cropped.
        Path dir = folder();
        PatchBuilder.Config c = new PatchBuilder.Config(dir, 300, 0, 0, 12);
        List<Path> files = PatchBuilder.imageFiles(dir);
        PatchBuilder.Result cached = PatchBuilder.build(c, PatchBuilder.Progress.NONE, files, true);
        PatchBuilder.Result decodedEachTime = PatchBuilder.build(c, PatchBuilder.Progress.NONE, files, false);
        assertArrayEquals(cached.patches().x(), decodedEachTime.patches().x());
        assertArrayEquals(cached.patches().mean(), decodedEachTime.patches().mean());
        assertEquals(cached.failureCount(), decodedEachTime.failureCount());
    }
}
