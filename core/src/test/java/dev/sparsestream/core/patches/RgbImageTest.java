package dev.sparsestream.core.patches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resizing and grey conversion against Pillow 9.4's own output (fixtures in test resources). */
class RgbImageTest {
    @TempDir
    Path tmp;

    static byte[] resource(String name) throws IOException {
        try (InputStream in = RgbImageTest.class.getResourceAsStream("/patches/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void resizeEqualsPillowsBilinearByteForByte() throws Exception {
        RgbImage source = new RgbImage(37, 23, resource("source-37x23.rgb"));
        for (int[] size : new int[][] {{11, 7}, {60, 40}, {37, 9}}) {
            byte[] expected = resource("pillow-bilinear-" + size[0] + "x" + size[1] + ".rgb");
            RgbImage out = source.resize(size[0], size[1]);
            assertArrayEquals(expected, out.rgb(), "resize to " + size[0] + " x " + size[1]);
        }
    }

    @Test
    void greyEqualsPillowsConvertL() throws Exception {
        RgbImage source = new RgbImage(37, 23, resource("source-37x23.rgb"));
        byte[] expected = resource("pillow-L.gray");
        int[] grey = new int[23 * 23];
        source.greyWindow(5, 0, 23, grey, 0);
        for (int i = 0; i < 23; i++) {
            for (int j = 0; j < 23; j++) {
                assertEquals(expected[i * 37 + j + 5] & 0xff, grey[i * 23 + j], "pixel " + i + "," + j);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> source.greyWindow(20, 0, 23, grey, 0));
    }

    @Test
    void shorterSideBecomes256AndTheLongerIsTruncated() {
        RgbImage wide = new RgbImage(1000, 300, new byte[3 * 1000 * 300]);
        RgbImage r = wide.resizeShorterSide(256);
        assertEquals(256, r.height());
        assertEquals(853, r.width()); // int(256 * 1000 / 300) = int(853.33)
        RgbImage tall = new RgbImage(300, 1001, new byte[3 * 300 * 1001]);
        assertEquals(854, tall.resizeShorterSide(256).height());
    }

    @Test
    void readsPngAndJpegInColourAndGreyAndRefusesCorruptFiles() throws Exception {
        BufferedImage colour = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        colour.setRGB(1, 2, 0x102030);
        Path png = tmp.resolve("c.png");
        ImageIO.write(colour, "png", png.toFile());
        RgbImage c = RgbImage.read(png);
        assertEquals(4, c.width());
        assertEquals(3, c.height());
        int p = 3 * (2 * 4 + 1);
        assertEquals(0x10, c.rgb()[p]);
        assertEquals(0x20, c.rgb()[p + 1]);
        assertEquals(0x30, c.rgb()[p + 2]);

        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(3, 3, 0, 200);
        Path jpg = tmp.resolve("g.jpg");
        ImageIO.write(grey, "jpg", jpg.toFile());
        RgbImage g = RgbImage.read(jpg);
        assertEquals(8, g.width());
        int q = 3 * (3 * 8 + 3);
        assertEquals(g.rgb()[q], g.rgb()[q + 1], "grey stays grey");

        Path text = tmp.resolve("notes.jpg");
        Files.writeString(text, "not an image");
        IOException e = assertThrows(IOException.class, () -> RgbImage.read(text));
        assertTrue(e.getMessage().contains("notes.jpg"), e.getMessage());

        Path truncated = tmp.resolve("cut.png");
        byte[] whole = Files.readAllBytes(png);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThrows(IOException.class, () -> RgbImage.read(truncated));

        // A truncated JPEG decodes with only a warning in ImageIO; it is refused all the same.
        BufferedImage photo = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                photo.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | ((x * y) & 0xff));
            }
        }
        Path good = tmp.resolve("photo.jpg");
        ImageIO.write(photo, "jpg", good.toFile());
        assertEquals(64, RgbImage.read(good).width());
        byte[] jpeg = Files.readAllBytes(good);
        Path cutJpeg = tmp.resolve("photo-cut.jpg");
        Files.write(cutJpeg, java.util.Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
        IOException cutError = assertThrows(IOException.class, () -> RgbImage.read(cutJpeg));
        assertTrue(cutError.getMessage().contains("photo-cut.jpg"), cutError.getMessage());
    }

    @Test
    void aResizedWindowEqualsTheWindowOfTheWholeResize() {
        java.util.Random rng = new java.util.Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int w = 40 + rng.nextInt(400);
            int h = 40 + rng.nextInt(400);
            byte[] rgb = new byte[3 * w * h];
            rng.nextBytes(rgb);
            RgbImage im = new RgbImage(w, h, rgb);
            int[] size = RgbImage.shorterSideSize(w, h, 30 + rng.nextInt(120)); // down and up
            RgbImage whole = im.resize(size[0], size[1]);
            int s = 1 + rng.nextInt(Math.min(size[0], size[1]));
            int left = rng.nextInt(size[0] - s + 1);
            int top = rng.nextInt(size[1] - s + 1);
            RgbImage window = im.resizedWindow(size[0], size[1], left, top, s);
            for (int i = 0; i < s; i++) {
                for (int j = 0; j < s; j++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(whole.rgb()[3 * ((top + i) * size[0] + left + j) + c], window.rgb()[3 * (i * s + j) + c],
                                "trial " + trial + " pixel " + i + "," + j);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(4, 4, new byte[48]).resizedWindow(3, 3, 1, 1, 3));
    }

    @Test
    void colourJpegsDecodeToTheColoursImageIoReports(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.awt.image.BufferedImage src = new java.awt.image.BufferedImage(37, 23, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random rng = new java.util.Random(8);
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                src.setRGB(x, y, rng.nextInt(1 << 24));
            }
        }
        java.nio.file.Path f = tmp.resolve("c.jpg");
        javax.imageio.ImageIO.write(src, "jpg", f.toFile());
        RgbImage im = RgbImage.read(f);
        java.awt.image.BufferedImage ref = javax.imageio.ImageIO.read(f.toFile()); // decoded again, read per pixel
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                int argb = ref.getRGB(x, y);
                int p = 3 * (y * 37 + x);
                assertEquals((argb >> 16) & 0xff, im.rgb()[p] & 0xff);
                assertEquals((argb >> 8) & 0xff, im.rgb()[p + 1] & 0xff);
                assertEquals(argb & 0xff, im.rgb()[p + 2] & 0xff);
            }
        }
    }
}
