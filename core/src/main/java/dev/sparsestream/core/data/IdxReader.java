package dev.sparsestream.core.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files of unsigned bytes: IDX3 images (magic {@code 0x00000803}) and IDX1 labels (magic
 * {@code 0x00000801}), the format of the MNIST distribution.
 *
 * <p>A file may be raw or gzip-compressed; gzip is recognised by its magic bytes {@code 1f 8b}, not by
 * the file name, so a renamed file still reads (a raw IDX file starts with {@code 00 00}, so the two
 * cannot be confused).
 *
 * <p>The reader is strict: it rejects a wrong magic number, non-positive dimensions, a truncated file
 * and trailing bytes after the declared content, each with an {@link IdxFormatException} naming the
 * file and the problem. Silent acceptance of a partial download would otherwise only show up much
 * later as wrong numbers.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int IMAGES_HEADER_BYTES = 16;
    private static final int LABELS_HEADER_BYTES = 8;
    /** Largest Java array we are willing to allocate (a few bytes under Integer.MAX_VALUE, as the JDK does). */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Read the body in slices: one huge read would make the JDK allocate an equally huge native buffer. */
    private static final int CHUNK = 1 << 20;

    private IdxReader() {
    }

    /**
     * Reads an IDX3 unsigned-byte image file, raw or gzip.
     *
     * @param file the file
     * @return the images, pixels row-major
     * @throws IdxFormatException if the file is not a well-formed IDX3 unsigned-byte file
     * @throws IOException        if it cannot be read
     */
    public static IdxImages readImages(Path file) throws IOException {
        return readImages(file, null);
    }

    /**
     * Reads an IDX1 unsigned-byte label file, raw or gzip.
     *
     * @param file the file
     * @return one byte per label (unsigned; MNIST labels are 0..9)
     * @throws IdxFormatException if the file is not a well-formed IDX1 unsigned-byte file
     * @throws IOException        if it cannot be read
     */
    public static byte[] readLabels(Path file) throws IOException {
        return readLabels(file, null);
    }

    /**
     * Checks that an image file and a label file describe the same number of samples.
     *
     * @param imagesFile the image file (for the message)
     * @param images     its content
     * @param labelsFile the label file (for the message)
     * @param labels     its content
     * @throws IdxFormatException naming both files and both counts if they disagree
     */
    public static void checkMatching(Path imagesFile, IdxImages images, Path labelsFile, byte[] labels)
            throws IdxFormatException {
        if (images.count() != labels.length) {
            throw new IdxFormatException("image/label count mismatch: " + imagesFile + " holds "
                    + images.count() + " images but " + labelsFile + " holds " + labels.length
                    + " labels");
        }
    }

    /**
     * As {@link #readImages(Path)}, also feeding the (decompressed) content to {@code digest} so that a
     * caller can verify a checksum without reading the file twice.
     */
    static IdxImages readImages(Path file, MessageDigest digest) throws IOException {
        try (InputStream in = openContent(file, digest)) {
            boolean gz = isGzip(file);
            int magic = readInt(file, in, 0, IMAGES_HEADER_BYTES, gz);
            checkMagic(file, magic, IMAGES_MAGIC, "idx3 unsigned-byte images");
            int count = readInt(file, in, 4, IMAGES_HEADER_BYTES, gz);
            int rows = readInt(file, in, 8, IMAGES_HEADER_BYTES, gz);
            int cols = readInt(file, in, 12, IMAGES_HEADER_BYTES, gz);
            requirePositive(file, "image count", count);
            requirePositive(file, "number of rows", rows);
            requirePositive(file, "number of columns", cols);
            long bodyBytes = (long) count * rows * cols;
            String declared = count + " images of " + rows + "x" + cols + " pixels";
            if (bodyBytes > MAX_ARRAY) {
                throw new IdxFormatException(file, "wrong dimensions: the header declares " + declared
                        + " = " + bodyBytes + " bytes, more than this reader can hold in one array");
            }
            byte[] pixels = readBody(file, in, (int) bodyBytes, IMAGES_HEADER_BYTES, declared, gz);
            return new IdxImages(count, rows, cols, pixels);
        } catch (ZipException | EOFException e) {
            throw gzipBroken(file, e);
        }
    }

    /** As {@link #readLabels(Path)}, also feeding the (decompressed) content to {@code digest}. */
    static byte[] readLabels(Path file, MessageDigest digest) throws IOException {
        try (InputStream in = openContent(file, digest)) {
            boolean gz = isGzip(file);
            int magic = readInt(file, in, 0, LABELS_HEADER_BYTES, gz);
            checkMagic(file, magic, LABELS_MAGIC, "idx1 unsigned-byte labels");
            int count = readInt(file, in, 4, LABELS_HEADER_BYTES, gz);
            requirePositive(file, "label count", count);
            if (count > MAX_ARRAY) {
                throw new IdxFormatException(file, "wrong dimensions: label count " + count + " is too large");
            }
            return readBody(file, in, count, LABELS_HEADER_BYTES, count + " labels", gz);
        } catch (ZipException | EOFException e) {
            throw gzipBroken(file, e);
        }
    }

    /**
     * Opens the IDX content of a file: the bytes themselves, or their decompression when the file
     * starts with the gzip magic bytes. The stream is buffered.
     *
     * @param digest if not null, every content byte read is also fed to it
     */
    static InputStream openContent(Path file, MessageDigest digest) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        InputStream content;
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            content = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
        return digest == null ? content : new DigestInputStream(content, digest);
    }

    /** @return whether the file starts with the gzip magic bytes {@code 1f 8b} */
    static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static IdxFormatException gzipBroken(Path file, IOException e) {
        String what = e instanceof EOFException ? "truncated gzip stream (the compressed data ends early)"
                : "corrupt gzip stream";
        IdxFormatException ex = new IdxFormatException(file, what + ": " + e.getMessage());
        ex.initCause(e);
        return ex;
    }

    /** Reads the big-endian int at header offset {@code offset}, reporting a short header as truncation. */
    private static int readInt(Path file, InputStream in, int offset, int headerBytes, boolean gz)
            throws IOException {
        byte[] b = new byte[4];
        int got = in.readNBytes(b, 0, 4);
        if (got < 4) {
            throw new IdxFormatException(file, "truncated: the " + headerBytes + "-byte IDX header is cut short; only "
                    + (offset + got) + " bytes are present" + (gz ? " after gzip decompression" : ""));
        }
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    private static void checkMagic(Path file, int found, int expected, String what) throws IdxFormatException {
        if (found == expected) {
            return;
        }
        String hint;
        if (found == IMAGES_MAGIC) {
            hint = " (that of idx3 unsigned-byte images: is this an image file?)";
        } else if (found == LABELS_MAGIC) {
            hint = " (that of idx1 unsigned-byte labels: is this a label file?)";
        } else if ((found >>> 16) == 0) {
            hint = String.format(" (an IDX file of data type 0x%02X with %d dimensions)",
                    (found >>> 8) & 0xFF, found & 0xFF);
        } else {
            hint = " (not an IDX file)";
        }
        throw new IdxFormatException(file, String.format(
                "wrong magic number: expected 0x%08X (%s) but found 0x%08X%s", expected, what, found, hint));
    }

    private static void requirePositive(Path file, String what, int value) throws IdxFormatException {
        if (value <= 0) {
            throw new IdxFormatException(file, "wrong dimensions: " + what + " in the header is " + value
                    + ", must be positive");
        }
    }

    /**
     * Reads exactly {@code n} content bytes after the header, then checks that nothing follows them.
     */
    private static byte[] readBody(Path file, InputStream in, int n, int headerBytes, String declared, boolean gz)
            throws IOException {
        byte[] body = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(body, got, Math.min(CHUNK, n - got));
            if (r < 0) {
                break;
            }
            got += r;
        }
        String where = gz ? "the decompressed content" : "the file";
        long expectedTotal = (long) headerBytes + n;
        if (got < n) {
            throw new IdxFormatException(file, "truncated: the header declares " + declared + ", so "
                    + where + " should hold " + expectedTotal + " bytes (" + headerBytes + "-byte header + "
                    + n + "), but only " + (headerBytes + (long) got) + " bytes are present");
        }
        long extra = in.transferTo(OutputStream.nullOutputStream());
        if (extra > 0) {
            throw new IdxFormatException(file, "trailing garbage: the header declares " + declared + ", so "
                    + where + " should hold " + expectedTotal + " bytes, but it holds "
                    + (expectedTotal + extra) + " (" + extra + " extra bytes after the declared data)");
        }
        return body;
    }
}
