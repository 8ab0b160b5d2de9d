package dev.sparsestream.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Test fixtures: an .npy built byte by byte (NPY 1.0, C order, header padded to 64), for any dtype. */
public final class NpyBytes {
    private NpyBytes() {
    }

    /** Magic, version 1.0, header length, the dict with {@code descr} and {@code shape} (Python tuple text), data. */
    public static byte[] of(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        buf.putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        buf.put(data);
        return buf.array();
    }
}
