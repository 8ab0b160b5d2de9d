package dev.sparsestream.core.patches;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.core.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The patch dataset file ({@code patches build} writes it, {@code train --dataset patches} reads it).
 *
 * <pre>
 *   offset  size          content
 *   0       8             magic "SSPATCH\0"
 *   8       4             format version, little-endian int32 (1)
 *   12      4             header length H, int32
 *   16      H             header, UTF-8 JSON ({@link Header}: counts, patch size, seed, source, ...)
 *   16 + H  N * 6272      N = train + val + test records, in that order, each:
 *                           784 float32  the LCN patch (row-major 28 x 28)
 *                           784 float16  the mean map m
 *                           784 float16  the std map s        (pixel = 0.259 (patch s + m) + 0.457)
 *   end     32            SHA-256 of everything before it
 * </pre>
 * All numbers are little-endian. The maps only rescale errors for PSNR and pictures, so half precision
 * (11 significant bits) keeps the file at two thirds of its float32 size. Written atomically; a
 * truncated, padded or altered file is refused with a message naming the file and the problem.
 */
public final class PatchFile {
    public static final byte[] MAGIC = "SSPATCH\0".getBytes(StandardCharsets.US_ASCII);
    public static final int FORMAT_VERSION = 1;
    public static final int D = Lcn.PATCH * Lcn.PATCH;
    /** Bytes per record. */
    public static final int RECORD = D * 4 + 2 * D * 2;
    private static final int MAX_HEADER = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PatchFile() {
    }

    /**
     * What the file holds and how it was made.
     *
     * @param greyMean,greyStd the grey normalisation x = (v / 255 - greyMean) / greyStd
     */
    public record Header(int patchSize, int train, int val, int test, long seed, String source, long imagesRead,
                         long imagesSkipped, double greyMean, double greyStd, double minPixelStd) {
        public Header {
            if (patchSize != Lcn.PATCH) {
                throw new IllegalArgumentException("patch size must be " + Lcn.PATCH + ", got " + patchSize);
            }
            if (train < 0 || val < 0 || test < 0) {
                throw new IllegalArgumentException("negative patch counts: " + train + ", " + val + ", " + test);
            }
        }

        public int total() {
            return train + val + test;
        }
    }

    /**
     * {@code count} patches and their maps, each (count, 784) row-major.
     */
    public record Patches(int count, float[] x, float[] mean, float[] std) {
        public Patches {
            if (x.length != (long) count * D || mean.length != x.length || std.length != x.length) {
                throw new IllegalArgumentException("patches of " + count + " need arrays of " + (long) count * D);
            }
        }

        /** Patches from..from+n as their own arrays. */
        public Patches slice(int from, int n) {
            return new Patches(n, Arrays.copyOfRange(x, from * D, (from + n) * D),
                    Arrays.copyOfRange(mean, from * D, (from + n) * D), Arrays.copyOfRange(std, from * D, (from + n) * D));
        }
    }

    /** A file's contents: its header and its train, validation and test patches. */
    public record Contents(Header header, Patches train, Patches val, Patches test) {
    }

    /** Writes {@code all} (header.total() patches: train, then val, then test) atomically to {@code file}. */
    public static void write(Path file, Header header, Patches all) throws IOException {
        if (all.count() != header.total()) {
            throw new IllegalArgumentException("the header counts " + header.total() + " patches, given " + all.count());
        }
        byte[] json = JSON.writeValueAsBytes(header);
        AtomicFiles.write(file, raw -> {
            MessageDigest sha = sha256();
            OutputStream out = new DigestOutputStream(raw, sha);
            ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(FORMAT_VERSION).putInt(json.length);
            out.write(head.array());
            out.write(json);
            ByteBuffer rec = ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < all.count(); i++) {
                rec.clear();
                int o = i * D;
                for (int p = 0; p < D; p++) {
                    rec.putFloat(all.x()[o + p]);
                }
                for (int p = 0; p < D; p++) {
                    rec.putShort(Half.fromFloat(all.mean()[o + p]));
                }
                for (int p = 0; p < D; p++) {
                    rec.putShort(Half.fromFloat(all.std()[o + p]));
                }
                out.write(rec.array());
            }
            raw.write(sha.digest());
        });
    }

    /** Reads and checks a whole file. */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no patch file " + file + " (make one with: sparse-stream patches build --images DIR --out "
                    + file + ")");
        }
        long size = Files.size(file);
        MessageDigest sha = sha256();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream in = new DataInputStream(new DigestInputStream(raw, sha));
            byte[] head = readFully(in, 16, file);
            if (!Arrays.equals(Arrays.copyOf(head, 8), MAGIC)) {
                throw new IOException(file + " is not a sparse-stream patch file (no SSPATCH magic)");
            }
            ByteBuffer hb = ByteBuffer.wrap(head, 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int version = hb.getInt();
            int headerLength = hb.getInt();
            if (version != FORMAT_VERSION) {
                throw new IOException(file + " has patch format version " + version + "; this build reads version "
                        + FORMAT_VERSION);
            }
            if (headerLength < 2 || headerLength > MAX_HEADER) {
                throw new IOException(file + " is corrupt: header length " + headerLength);
            }
            Header header;
            try {
                header = JSON.readValue(readFully(in, headerLength, file), Header.class);
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(file + " is corrupt: unreadable header (" + e.getMessage() + ")", e);
            }
            long expected = 16L + headerLength + (long) header.total() * RECORD + 32;
            if (size != expected) {
                throw new IOException(file + " is " + (size < expected ? "truncated" : "longer than its header says")
                        + ": " + size + " bytes, expected " + expected + " for " + header.total() + " patches");
            }
            Patches train = readPatches(in, header.train(), file);
            Patches val = readPatches(in, header.val(), file);
            Patches test = readPatches(in, header.test(), file);
            byte[] digest = sha.digest();
            byte[] stored = raw.readNBytes(32);
            if (!MessageDigest.isEqual(digest, stored)) {
                throw new IOException(file + " is corrupt: its SHA-256 does not match its content");
            }
            return new Contents(header, train, val, test);
        }
    }

    private static Patches readPatches(DataInputStream in, int count, Path file) throws IOException {
        float[] x = new float[count * D];
        float[] mean = new float[count * D];
        float[] std = new float[count * D];
        ByteBuffer rec = ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            rec.clear();
            in.readFully(rec.array());
            int o = i * D;
            for (int p = 0; p < D; p++) {
                x[o + p] = rec.getFloat();
            }
            for (int p = 0; p < D; p++) {
                mean[o + p] = Half.toFloat(rec.getShort());
            }
            for (int p = 0; p < D; p++) {
                std[o + p] = Half.toFloat(rec.getShort());
            }
        }
        return new Patches(count, x, mean, std);
    }

    private static byte[] readFully(DataInputStream in, int n, Path file) throws IOException {
        byte[] b = new byte[n];
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
