package dev.sparsestream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.tensor.Matrix;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyFilesTest {

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------- fixtures

    /** An .npy built byte by byte: magic, version, header length, dict padded to 64 bytes with a newline, data. */
    private static byte[] npy(int major, String descr, boolean fortran, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                + ", 'shape': " + shape + ", }";
        int preamble = major == 1 ? 10 : 12;
        int unpadded = preamble + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(preamble + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            buf.putShort((short) header.length());
        } else {
            buf.putInt(header.length());
        }
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        buf.put(data);
        return buf.array();
    }

    private static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] doubles(ByteOrder order, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(order);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, content);
        return f;
    }

    private static void assertMatrix(Matrix m, int rows, int cols, float... expected) {
        assertEquals(rows, m.rows());
        assertEquals(cols, m.cols());
        assertArrayEquals(expected, m.toArray());
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message should mention '" + p + "': " + e.getMessage());
        }
    }

    private static NpyFiles.FormatException readFails(Path f) {
        return assertThrows(NpyFiles.FormatException.class, () -> NpyFiles.readMatrix(f));
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    // ---------------------------------------------------------------------------------- readMatrix

    @Test
    void readsFloat32() throws IOException {
        Path f = file("a.npy", npy(1, "<f4", false, "(2, 3)", floats(LE, 1, 2, 3, 4, 5, -6.5f)));
        assertMatrix(NpyFiles.readMatrix(f), 2, 3, 1, 2, 3, 4, 5, -6.5f);

        Path big = file("be.npy", npy(1, ">f4", false, "(2, 3)", floats(BE, 1, 2, 3, 4, 5, -6.5f)));
        assertMatrix(NpyFiles.readMatrix(big), 2, 3, 1, 2, 3, 4, 5, -6.5f);

        // NPY 2.0 (4-byte header length).
        Path v2 = file("v2.npy", npy(2, "<f4", false, "(1, 2)", floats(LE, 7, 8)));
        assertMatrix(NpyFiles.readMatrix(v2), 1, 2, 7, 8);
    }

    @Test
    void readsFloat64AsFloat32() throws IOException {
        double third = 1.0 / 3;
        Path f = file("d.npy", npy(1, "<f8", false, "(2, 2)", doubles(LE, third, -2.5, 1e-3, 1e30)));
        assertMatrix(NpyFiles.readMatrix(f), 2, 2, (float) third, -2.5f, 1e-3f, 1e30f);

        Path big = file("dbe.npy", npy(1, ">f8", false, "(1, 3)", doubles(BE, 0.1, 0.2, 0.3)));
        assertMatrix(NpyFiles.readMatrix(big), 1, 3, 0.1f, 0.2f, 0.3f);
    }

    @Test
    void readsFortranOrder() throws IOException {
        // The 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] in column-major order.
        Path f = file("f.npy", npy(1, "<f4", true, "(2, 3)", floats(LE, 1, 4, 2, 5, 3, 6)));
        assertMatrix(NpyFiles.readMatrix(f), 2, 3, 1, 2, 3, 4, 5, 6);

        Path d = file("fd.npy", npy(1, ">f8", true, "(3, 2)", doubles(BE, 1, 3, 5, 2, 4, 6)));
        assertMatrix(NpyFiles.readMatrix(d), 3, 2, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void rejectsTruncatedAndTrailingBytes() throws IOException {
        byte[] good = npy(1, "<f4", false, "(2, 3)", floats(LE, 1, 2, 3, 4, 5, 6));

        Path cut = file("cut.npy", Arrays.copyOf(good, good.length - 3));
        assertMentions(readFails(cut), cut.toString(), "truncated", "needs 24 data bytes but only 21");

        Path cutHeader = file("cut-header.npy", Arrays.copyOf(good, 40));
        assertMentions(readFails(cutHeader), cutHeader.toString(), "truncated .npy header");

        Path longer = file("long.npy", Arrays.copyOf(good, good.length + 4));
        assertMentions(readFails(longer), longer.toString(), "4 unexpected bytes after the 24 data bytes");

        // float64 data measured in 8-byte values: 6 doubles needed, 5 present.
        Path cutD = file("cut-d.npy", npy(1, "<f8", false, "(2, 3)", doubles(LE, 1, 2, 3, 4, 5)));
        assertMentions(readFails(cutD), "truncated", "needs 48 data bytes but only 40");
    }

    @Test
    void rejectsGarbage() throws IOException {
        Path text = file("text.npy", "this is not numpy at all".getBytes(StandardCharsets.US_ASCII));
        assertMentions(readFails(text), text.toString(), "not a .npy file", "bad magic");

        Path empty = file("empty.npy", new byte[0]);
        assertMentions(readFails(empty), empty.toString(), "not a .npy file", "0 bytes");

        byte[] bad = npy(1, "<f4", false, "(1, 1)", floats(LE, 1));
        bad[10] = '['; // the dict's opening brace
        Path badHeader = file("bad-header.npy", bad);
        assertMentions(readFails(badHeader), badHeader.toString(), "malformed .npy header");

        byte[] v9 = npy(1, "<f4", false, "(1, 1)", floats(LE, 1));
        v9[6] = 9;
        assertMentions(readFails(file("v9.npy", v9)), "unsupported .npy format version 9.0");

        Path missing = tmp.resolve("missing.npy");
        assertMentions(assertThrows(FileNotFoundException.class, () -> NpyFiles.readMatrix(missing)),
                missing.toString(), "no such file");
    }

    @Test
    void rejectsOtherDtypesAndRanks() throws IOException {
        Path ints = file("i.npy", npy(1, "<i4", false, "(1, 2)", new byte[8]));
        assertMentions(readFails(ints), ints.toString(), "'<i4' (int32)", "not supported", "float32", "float64");

        Path half = file("h.npy", npy(1, "<f2", false, "(1, 2)", new byte[4]));
        assertMentions(readFails(half), "'<f2' (float16)");

        Path cube = file("c.npy", npy(1, "<f4", false, "(2, 3, 4)", new byte[2 * 3 * 4 * 4]));
        assertMentions(readFails(cube), cube.toString(), "2-d", "[2, 3, 4]");

        Path vector = file("v.npy", npy(1, "<f4", false, "(3,)", floats(LE, 1, 2, 3)));
        assertMentions(readFails(vector), "2-d", "[3]");

        Path noRows = file("z.npy", npy(1, "<f4", false, "(0, 3)", new byte[0]));
        assertMentions(readFails(noRows), "empty", "[0, 3]");

        // A header claiming more values than an int-indexed matrix holds: refused before reading.
        Path huge = file("huge.npy", npy(1, "<f4", false, "(100000, 100000)", new byte[0]));
        assertMentions(readFails(huge), huge.toString(), "too large", "[100000, 100000]");
    }

    @Test
    void rejectsNonFiniteValuesNamingRowAndColumn() throws IOException {
        Path nan = file("nan.npy", npy(1, "<f4", false, "(2, 3)", floats(LE, 1, 2, 3, 4, Float.NaN, 6)));
        assertMentions(readFails(nan), nan.toString(), "NaN", "row 1, column 1");

        Path inf = file("inf.npy", npy(1, "<f8", false, "(2, 2)", doubles(LE, 1, Double.NEGATIVE_INFINITY, 3, 4)));
        assertMentions(readFails(inf), "-Infinity", "row 0, column 1");

        // Fortran order: reported by matrix position, not file position. File index 1 is row 1, column 0.
        Path fortran = file("fnan.npy", npy(1, "<f4", true, "(2, 2)", floats(LE, 1, Float.NaN, 3, 4)));
        assertMentions(readFails(fortran), "NaN", "row 1, column 0");

        // A finite float64 beyond the float32 range would become an infinity.
        Path over = file("over.npy", npy(1, "<f8", false, "(1, 2)", doubles(LE, 1, 1e300)));
        assertMentions(readFails(over), over.toString(), "1.0E300", "row 0, column 1", "float32 range");
    }

    // ---------------------------------------------------------------------------------- read (exact shape)

    @Test
    void readWithExpectedShape() throws IOException {
        Path bias = file("b.npy", npy(1, "<f4", false, "(3,)", floats(LE, 1, 2, 3)));
        assertMatrix(NpyFiles.read(bias, new long[] {3}, "b (bias)"), 1, 3, 1, 2, 3);

        Path w = file("w.npy", npy(1, ">f4", true, "(2, 2)", floats(BE, 1, 3, 2, 4)));
        assertMatrix(NpyFiles.read(w, new long[] {2, 2}), 2, 2, 1, 2, 3, 4);

        assertMentions(assertThrows(NpyFiles.FormatException.class, () -> NpyFiles.read(bias, new long[] {1, 3}, "b (bias)")),
                bias.toString(), "shape is [3], expected [1, 3] for b (bias)");

        Path d = file("d.npy", npy(1, "<f8", false, "(2, 2)", doubles(LE, 1, 2, 3, 4)));
        assertMentions(assertThrows(NpyFiles.FormatException.class, () -> NpyFiles.read(d, new long[] {2, 2}, "W (decoder)")),
                "dtype is '<f8' (float64), expected float32 ('<f4') for W (decoder)");

        Path nan = file("nan.npy", npy(1, "<f4", false, "(2, 2)", floats(LE, 1, 2, Float.NaN, 4)));
        assertMentions(assertThrows(NpyFiles.FormatException.class, () -> NpyFiles.read(nan, new long[] {2, 2}, "W (decoder)")),
                "non-finite value NaN at flat index 2 (row 1, column 0) in W (decoder)");

        assertThrows(IllegalArgumentException.class, () -> NpyFiles.read(w, new long[] {2, 2, 1}));
    }

    // ---------------------------------------------------------------------------------- write

    /** The written file parsed here, independently of NpyFiles. */
    private record Parsed(int major, int minor, String header, int dataOffset, float[] values) {
    }

    private static Parsed parse(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.ISO_8859_1));
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, headerLen, StandardCharsets.ISO_8859_1);
        int offset = 10 + headerLen;
        assertEquals(0, (b.length - offset) % 4);
        float[] values = new float[(b.length - offset) / 4];
        ByteBuffer data = ByteBuffer.wrap(b, offset, b.length - offset).order(LE);
        for (int i = 0; i < values.length; i++) {
            values[i] = data.getFloat();
        }
        return new Parsed(b[6], b[7], header, offset, values);
    }

    @Test
    void writeThenReadRoundTrip() throws IOException {
        float[] values = new float[3 * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i) * 100;
        }
        values[4] = -0.0f;
        values[7] = Float.MIN_VALUE;
        Matrix m = Matrix.of(3, 5, values);
        Path f = tmp.resolve("sub").resolve("dir").resolve("m.npy"); // parents created
        NpyFiles.write(f, m);

        Parsed p = parse(f);
        assertEquals(1, p.major());
        assertEquals(0, p.minor());
        assertEquals(0, p.dataOffset() % 64, "header padded to 64 bytes");
        assertTrue(p.header().endsWith("\n"), p.header());
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }", p.header().strip());
        assertEquals(values.length, p.values().length);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(p.values()[i]), "value " + i);
        }

        Matrix back = NpyFiles.readMatrix(f);
        assertEquals(3, back.rows());
        assertEquals(5, back.cols());
        assertTrue(Arrays.equals(values, back.toArray()), "bit-exact round trip");
        assertTrue(Arrays.equals(values, NpyFiles.read(f, new long[] {3, 5}).toArray()));

        // numpy reads it too, bit for bit.
        String np = Numpy.run(f, "a = np.load(path)\nprint(a.dtype, a.shape, ' '.join(str(int(b)) for b in a.view(np.uint32).ravel()))");
        String[] parts = np.split(" ");
        assertEquals("float32 (3, 5)", parts[0] + " " + parts[1] + " " + parts[2]);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Integer.toUnsignedString(Float.floatToRawIntBits(values[i])), parts[3 + i], "numpy value " + i);
        }
    }

    @Test
    void writesOneDimensionalShape() throws IOException {
        Matrix bias = Matrix.of(1, 4, new float[] {1, 2, 3, 4});
        Path f = tmp.resolve("b.npy");
        NpyFiles.write(f, bias, new long[] {4});
        Parsed p = parse(f);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", p.header().strip());
        assertArrayEquals(new float[] {1, 2, 3, 4}, p.values());
        assertMatrix(NpyFiles.read(f, new long[] {4}), 1, 4, 1, 2, 3, 4);
        assertMentions(readFails(f), "2-d", "[4]");

        assertThrows(IllegalArgumentException.class, () -> NpyFiles.write(tmp.resolve("x.npy"), bias, new long[] {5}));
        assertThrows(IllegalArgumentException.class, () -> NpyFiles.write(tmp.resolve("x.npy"), bias, new long[] {4, 1}));
        Matrix two = Matrix.of(2, 2, new float[4]);
        assertThrows(IllegalArgumentException.class, () -> NpyFiles.write(tmp.resolve("x.npy"), two, new long[] {4}));
        assertTrue(!Files.exists(tmp.resolve("x.npy")));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path f = tmp.resolve("z.npy");
        Files.writeString(f, "old content");
        Matrix m = Matrix.of(2, 2, new float[] {1, 2, 3, 4});
        NpyFiles.write(f, m);
        assertMatrix(NpyFiles.readMatrix(f), 2, 2, 1, 2, 3, 4);
        NpyFiles.write(f, Matrix.of(1, 1, new float[] {9}));
        assertMatrix(NpyFiles.readMatrix(f), 1, 1, 9);
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("z.npy"), s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
    }

    @Test
    void largeMatrixRoundTripsAcrossIoChunks() throws IOException {
        // More than one 1 MiB I/O buffer of data, in both dtypes.
        int rows = 700;
        int cols = 500;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 1000;
        }
        Path f = tmp.resolve("big.npy");
        NpyFiles.write(f, Matrix.of(rows, cols, values));
        assertTrue(Arrays.equals(values, NpyFiles.readMatrix(f).toArray()));

        double[] d = new double[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        Path f64 = file("big64.npy", npy(1, "<f8", false, "(" + rows + ", " + cols + ")", doubles(LE, d)));
        assertTrue(Arrays.equals(values, NpyFiles.readMatrix(f64).toArray()));
    }
}
