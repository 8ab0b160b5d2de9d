package dev.sparsestream.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import org.junit.jupiter.api.Test;

class DatasetTest {

    /** 4 rows of 3: value = 10*row + col. */
    private static Dataset sample(boolean labelled) {
        float[] x = new float[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = 10 * i + j;
            }
        }
        return new Dataset("s", x, 4, 3, labelled ? new int[] {7, 8, 9, 6} : null);
    }

    @Test
    void theChecksumIsTheCrc32cOfTheShapeAndTheValuesAndSeesOneChangedValue() {
        int n = 20_000, d = 3; // 240 KB of values: several of the checksum's blocks
        float[] x = new float[n * d];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        // Independently: the bytes written one value at a time with shifts, then one CRC-32C over all of them.
        byte[] bytes = new byte[8 + 4 * x.length];
        int[] ints = new int[2 + x.length];
        ints[0] = n;
        ints[1] = d;
        for (int i = 0; i < x.length; i++) {
            ints[2 + i] = Float.floatToRawIntBits(x[i]);
        }
        for (int i = 0; i < ints.length; i++) {
            for (int b = 0; b < 4; b++) {
                bytes[4 * i + b] = (byte) (ints[i] >>> (8 * b));
            }
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        assertEquals(crc.getValue(), new Dataset("a", x, n, d, null).checksum());
        assertEquals(new Dataset("a", x, n, d, null).checksum(), new Dataset("b", x.clone(), n, d, null).checksum(),
                "the name does not count");
        float[] changed = x.clone();
        changed[x.length - 1] = Math.nextUp(changed[x.length - 1]);
        assertFalse(new Dataset("a", x, n, d, null).checksum() == new Dataset("a", changed, n, d, null).checksum());
        assertFalse(new Dataset("a", x, n, d, null).checksum() == new Dataset("a", x, d, n, null).checksum(),
                "the shape counts");
    }

    @Test
    void accessors() {
        Dataset d = sample(true);
        assertEquals(4, d.size());
        assertEquals(3, d.dim());
        assertEquals(21f, d.get(2, 1));
        assertEquals(9, d.label(2));
        assertFalse(sample(false).hasLabels());
        assertThrows(IllegalStateException.class, () -> sample(false).label(0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(4, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(0, 3));
    }

    @Test
    void constructorValidatesLengths() {
        assertThrows(IllegalArgumentException.class, () -> new Dataset("x", new float[11], 4, 3, null));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("x", new float[12], 4, 3, new int[3]));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("x", new float[0], 0, 0, null));
    }

    @Test
    void copyRowsGathersIntoDirectBufferWithoutMovingPosition() {
        Dataset d = sample(true);
        FloatBuffer dest = ByteBuffer.allocateDirect(4 * 6).order(ByteOrder.nativeOrder()).asFloatBuffer();
        dest.position(2);
        d.copyRows(new int[] {0, 3, 1, 2}, 1, 2, dest); // rows 3 then 1
        assertEquals(2, dest.position());
        float[] got = new float[6];
        dest.get(0, got);
        assertArrayEquals(new float[] {30, 31, 32, 10, 11, 12}, got);

        d.copyRows(2, 2, dest); // rows 2, 3
        dest.get(0, got);
        assertArrayEquals(new float[] {20, 21, 22, 30, 31, 32}, got);
        assertEquals(2, dest.position());

        assertThrows(IndexOutOfBoundsException.class, () -> d.copyRows(3, 2, dest));
        assertThrows(IndexOutOfBoundsException.class, () -> d.copyRows(new int[] {0, 4}, 0, 2, dest));
        assertThrows(IndexOutOfBoundsException.class, () -> d.copyRows(0, 3, dest)); // needs 9 floats
    }

    @Test
    void headAndSelect() {
        Dataset d = sample(true);
        Dataset h = d.head(2);
        assertEquals(2, h.size());
        assertEquals(12f, h.get(1, 2));
        assertEquals(8, h.label(1));
        assertThrows(IllegalArgumentException.class, () -> d.head(0));
        assertThrows(IllegalArgumentException.class, () -> d.head(5));

        Dataset s = d.select("picked", new int[] {3, 3, 0});
        assertEquals("picked", s.name());
        assertEquals(3, s.size());
        assertEquals(31f, s.get(1, 1));
        assertEquals(2f, s.get(2, 2));
        assertEquals(7, s.label(2));
        assertFalse(sample(false).select("u", new int[] {1}).hasLabels());
    }
}
