package dev.sparsestream.core.data;

import static dev.sparsestream.core.data.IdxTestFiles.gzip;
import static dev.sparsestream.core.data.IdxTestFiles.images;
import static dev.sparsestream.core.data.IdxTestFiles.labels;
import static dev.sparsestream.core.data.IdxTestFiles.pattern;
import static dev.sparsestream.core.data.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {

    @TempDir
    Path dir;

    private static final byte[] PIXELS = pattern(3 * 4 * 5);
    private static final byte[] LABELS = {0, 9, 5};

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabels(boolean gz) throws IOException {
        byte[] img = images(3, 4, 5, PIXELS);
        byte[] lab = labels(LABELS);
        Path imgFile = write(dir.resolve("img" + (gz ? ".gz" : "")), gz ? gzip(img) : img);
        Path labFile = write(dir.resolve("lab" + (gz ? ".gz" : "")), gz ? gzip(lab) : lab);

        IdxImages images = IdxReader.readImages(imgFile);
        assertEquals(3, images.count());
        assertEquals(4, images.rows());
        assertEquals(5, images.cols());
        assertArrayEquals(PIXELS, images.pixels());
        // row-major: image 1, row 2, col 3
        assertEquals(PIXELS[20 + 2 * 5 + 3] & 0xFF, images.pixel(1, 2, 3));
        assertArrayEquals(LABELS, IdxReader.readLabels(labFile));
        assertDoesNotThrow(() -> IdxReader.checkMatching(imgFile, images, labFile, LABELS));
    }

    @Test
    void gzipIsDetectedByMagicBytesNotByName() throws IOException {
        Path gzWithoutSuffix = write(dir.resolve("images-idx3-ubyte"), gzip(images(3, 4, 5, PIXELS)));
        Path rawWithGzSuffix = write(dir.resolve("labels.gz"), labels(LABELS));
        assertArrayEquals(PIXELS, IdxReader.readImages(gzWithoutSuffix).pixels());
        assertArrayEquals(LABELS, IdxReader.readLabels(rawWithGzSuffix));
    }

    @Test
    void unsignedPixelsAreKept() throws IOException {
        byte[] px = new byte[256];
        for (int i = 0; i < 256; i++) {
            px[i] = (byte) i;
        }
        IdxImages im = IdxReader.readImages(write(dir.resolve("all"), images(1, 16, 16, px)));
        assertEquals(255, im.pixel(0, 15, 15));
        assertEquals(128, im.pixel(0, 8, 0));
    }

    @Test
    void labelFileReadAsImagesIsWrongMagic() throws IOException {
        Path f = write(dir.resolve("train-labels-idx1-ubyte"), labels(LABELS));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, "train-labels-idx1-ubyte", "wrong magic number", "0x00000803", "0x00000801",
                "label file");
        assertEquals(f, e.file());
    }

    @Test
    void imageFileReadAsLabelsIsWrongMagic() throws IOException {
        Path f = write(dir.resolve("train-images-idx3-ubyte"), images(3, 4, 5, PIXELS));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(f));
        assertMessage(e, "train-images-idx3-ubyte", "wrong magic number", "expected 0x00000801",
                "found 0x00000803");
    }

    @Test
    void notAnIdxFileIsWrongMagic() throws IOException {
        Path f = write(dir.resolve("page.html"), "<html><body>404 not found</body></html>".getBytes());
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, "page.html", "wrong magic number", "not an IDX file");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void nonPositiveImageCountIsWrongDimensions(int count) throws IOException {
        Path f = write(dir.resolve("bad-count"), images(count, 4, 5, new byte[0]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, "bad-count", "wrong dimensions", "image count", String.valueOf(count));
    }

    @Test
    void nonPositiveRowsOrColsAreWrongDimensions() throws IOException {
        Path rows = write(dir.resolve("zero-rows"), images(3, 0, 5, new byte[0]));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(rows)),
                "zero-rows", "wrong dimensions", "number of rows", "is 0");
        Path cols = write(dir.resolve("neg-cols"), images(3, 4, -5, new byte[0]));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(cols)),
                "neg-cols", "wrong dimensions", "number of columns", "is -5");
    }

    @Test
    void zeroLabelCountIsWrongDimensions() throws IOException {
        Path f = write(dir.resolve("no-labels"), labels(new byte[0]));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(f)),
                "no-labels", "wrong dimensions", "label count");
    }

    @Test
    void hugeDimensionsAreRejectedBeforeAllocating() throws IOException {
        Path f = write(dir.resolve("huge"), images(100_000, 1000, 1000, new byte[0]));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "huge", "wrong dimensions");
    }

    @Test
    void truncatedRawFile() throws IOException {
        byte[] img = images(3, 4, 5, PIXELS); // 16 + 60 = 76 bytes
        Path f = write(dir.resolve("cut-images"), Arrays.copyOf(img, img.length - 7));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f));
        assertMessage(e, "cut-images", "truncated", "76 bytes", "only 69 bytes are present");

        byte[] lab = labels(LABELS); // 8 + 3 = 11 bytes
        Path g = write(dir.resolve("cut-labels"), Arrays.copyOf(lab, lab.length - 1));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(g)),
                "cut-labels", "truncated", "11 bytes", "only 10 bytes are present");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path f = write(dir.resolve("cut-header"), Arrays.copyOf(images(3, 4, 5, PIXELS), 10));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "cut-header", "truncated", "header");
    }

    @Test
    void truncatedGzipContent() throws IOException {
        // A complete gzip stream whose decompressed content is short.
        byte[] img = images(3, 4, 5, PIXELS);
        Path f = write(dir.resolve("short-content.gz"), gzip(Arrays.copyOf(img, 50)));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "short-content.gz", "truncated", "76 bytes", "only 50 bytes are present");
    }

    @Test
    void truncatedGzipStream() throws IOException {
        // The gzip file itself is cut: its last bytes (part of the trailer) are gone.
        byte[] gz = gzip(images(3, 4, 5, PIXELS));
        Path f = write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length - 5));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "cut.gz", "truncated");
    }

    @Test
    void trailingBytesRaw() throws IOException {
        byte[] img = images(3, 4, 5, PIXELS);
        Path f = write(dir.resolve("long-images"), Arrays.copyOf(img, img.length + 4));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "long-images", "trailing garbage", "4 extra bytes", "76 bytes");
        byte[] lab = labels(LABELS);
        Path g = write(dir.resolve("long-labels"), Arrays.copyOf(lab, lab.length + 1));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(g)),
                "long-labels", "trailing garbage", "1 extra bytes");
    }

    @Test
    void trailingBytesGzip() throws IOException {
        byte[] img = images(3, 4, 5, PIXELS);
        Path f = write(dir.resolve("long.gz"), gzip(Arrays.copyOf(img, img.length + 9)));
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "long.gz", "trailing garbage", "9 extra bytes");
    }

    @Test
    void corruptGzipHeader() throws IOException {
        byte[] gz = gzip(images(3, 4, 5, PIXELS));
        gz[2] = 7; // compression method: only 8 (deflate) exists
        Path f = write(dir.resolve("bad-method.gz"), gz);
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "bad-method.gz", "corrupt gzip stream");
    }

    @Test
    void corruptGzipChecksum() throws IOException {
        byte[] gz = gzip(images(3, 4, 5, PIXELS));
        gz[gz.length - 8] ^= 0x55; // first byte of the CRC-32 trailer
        Path f = write(dir.resolve("bad-crc.gz"), gz);
        assertMessage(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(f)),
                "bad-crc.gz", "corrupt gzip stream");
    }

    @Test
    void imageLabelCountMismatch() throws IOException {
        Path imgFile = write(dir.resolve("some-images"), images(3, 4, 5, PIXELS));
        Path labFile = write(dir.resolve("some-labels"), labels(new byte[] {1, 2}));
        IdxImages im = IdxReader.readImages(imgFile);
        byte[] lab = IdxReader.readLabels(labFile);
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> IdxReader.checkMatching(imgFile, im, labFile, lab));
        assertMessage(e, "some-images", "some-labels", "count mismatch", "3 images", "2 labels");
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message lacks '" + p + "': " + e.getMessage());
        }
    }
}
