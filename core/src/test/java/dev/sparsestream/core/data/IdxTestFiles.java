package dev.sparsestream.core.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small synthetic IDX files for tests. */
final class IdxTestFiles {

    private IdxTestFiles() {
    }

    /** Header (magic then each dimension, big-endian) followed by body. */
    static byte[] idx(int magic, int[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(body);
        return b.array();
    }

    static byte[] images(int count, int rows, int cols, byte[] pixels) {
        return idx(IdxReader.IMAGES_MAGIC, new int[] {count, rows, cols}, pixels);
    }

    static byte[] labels(byte[] labels) {
        return idx(IdxReader.LABELS_MAGIC, new int[] {labels.length}, labels);
    }

    /** Deterministic pixel pattern covering 0..255. */
    static byte[] pattern(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 37 + 11);
        }
        return p;
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(raw);
        }
        return bos.toByteArray();
    }

    static Path write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        return file;
    }
}
