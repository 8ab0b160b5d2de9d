package dev.sparsestream.core.io;

import dev.sparsestream.core.tensor.Matrix;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * NumPy {@code .npy} arrays read into and written from {@link Matrix}, with errors that name the file
 * and the problem. The project's single NPY implementation: models ({@code ModelStore}) and users' data
 * and codes ({@code encode}) go through it.
 *
 * <p>Reading accepts NPY format versions 1.0 to 3.0, little- or big-endian data, C or Fortran order,
 * and checks that the data is exactly as long as the header says (neither truncated nor followed by
 * stray bytes). Writing produces NPY 1.0, dtype {@code '<f4'}, C order, the header padded to a multiple
 * of 64 bytes as NumPy does; {@code numpy.load} and ND4J read the files as they are.
 *
 * <p>The files are read and written here rather than through ND4J: ND4J's reader
 * ({@code Nd4j.createFromNpyFile}) accepts a truncated file without complaint (it reads past the end
 * of the data), and its writer reads the array's device copy, whereas {@link Matrix} keeps its values
 * in the host view ({@link Matrix#data()}).
 */
public final class NpyFiles {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int IO_CHUNK = 1 << 20;
    private static final int MAX_HEADER = 1 << 20;

    private NpyFiles() {
    }

    /**
     * A file that is not a well-formed {@code .npy} of what was asked for: not NPY at all, a malformed
     * or truncated header, a wrong dtype, rank or shape, truncated data or trailing bytes, non-finite
     * values, or an array too large for a {@link Matrix}. The message starts with the file.
     */
    public static class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        public FormatException(String message) {
            super(message);
        }

        public FormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // ------------------------------------------------------------------------------------------ read

    /**
     * Reads a 2-d (n, d) float32 or float64 array as a float32 row-major n x d matrix; float64 values
     * are rounded to the nearest float32.
     *
     * @throws FileNotFoundException if there is no regular file at {@code file}
     * @throws FormatException       if the file is not a .npy, is truncated or has trailing bytes, is not
     *                               2-d, has no rows or columns, has a dtype other than float32/float64,
     *                               holds a NaN or infinity (or a float64 beyond the float32 range), or
     *                               has more values than a matrix can hold; the message names the file
     *                               (and the row and column of a bad value)
     */
    public static Matrix readMatrix(Path file) throws IOException {
        requireRegularFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            Header h = readHeader(ch, size, file);
            int itemSize;
            if ("<f4".equals(h.descr()) || ">f4".equals(h.descr())) {
                itemSize = Float.BYTES;
            } else if ("<f8".equals(h.descr()) || ">f8".equals(h.descr())) {
                itemSize = Double.BYTES;
            } else {
                throw new FormatException(file + ": dtype " + describeDtype(h.descr())
                        + " is not supported; use float32 ('<f4') or float64 ('<f8')");
            }
            long[] shape = h.shape();
            if (shape.length != 2) {
                throw new FormatException(file + ": expected a 2-d array (n, d), got shape " + Arrays.toString(shape));
            }
            if (shape[0] == 0 || shape[1] == 0) {
                throw new FormatException(file + ": empty array of shape " + Arrays.toString(shape)
                        + "; expected at least one row and one column");
            }
            long n;
            try {
                n = Math.multiplyExact(shape[0], shape[1]);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE;
            }
            if (n > Integer.MAX_VALUE) {
                throw new FormatException(file + ": too large: shape " + Arrays.toString(shape) + " holds "
                        + (n == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : n) + " values; a matrix holds at most "
                        + Integer.MAX_VALUE);
            }
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            checkDataLength(file, h, size, n, itemSize);
            Matrix m = readData(ch, file, h, rows, cols, itemSize);
            FloatBuffer d = m.data();
            for (int i = 0; i < n; i++) {
                float v = d.get(i);
                if (!Float.isFinite(v)) {
                    throw new FormatException(file + ": non-finite value " + v + " at row " + i / cols + ", column " + i % cols);
                }
            }
            return m;
        }
    }

    /**
     * Reads a float32 array of exactly {@code expectedShape}, 1-d {@code (k,)} (read as a 1 x k matrix) or
     * 2-d {@code (rows, cols)}, with finite values. Messages end with " for " + {@code what} (" in " for
     * a non-finite value) when {@code what} is not null.
     *
     * @param what what the array is, for messages, e.g. {@code "W (decoder)"}; may be null
     * @throws FileNotFoundException    if there is no regular file at {@code file}
     * @throws FormatException          if the file is not a .npy, is truncated or has trailing bytes, its
     *                                  dtype is not float32, its shape differs, or it holds a NaN or
     *                                  infinity (named by flat index, and row and column if 2-d)
     * @throws IllegalArgumentException if {@code expectedShape} is not 1-d or 2-d with dimensions of at
     *                                  least 1 and at most {@link Integer#MAX_VALUE} values in all
     */
    public static Matrix read(Path file, long[] expectedShape, String what) throws IOException {
        int[] rc = matrixShape(expectedShape);
        requireRegularFile(file);
        String forWhat = what == null ? "" : " for " + what;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            Header h = readHeader(ch, size, file);
            if (!"<f4".equals(h.descr()) && !">f4".equals(h.descr())) {
                throw new FormatException(file + ": dtype is " + describeDtype(h.descr()) + ", expected float32 ('<f4')" + forWhat);
            }
            if (!Arrays.equals(h.shape(), expectedShape)) {
                throw new FormatException(file + ": shape is " + Arrays.toString(h.shape()) + ", expected "
                        + Arrays.toString(expectedShape) + forWhat);
            }
            int rows = rc[0];
            int cols = rc[1];
            long n = (long) rows * cols;
            checkDataLength(file, h, size, n, Float.BYTES);
            Matrix m = readData(ch, file, h, rows, cols, Float.BYTES);
            FloatBuffer dst = m.data();
            for (int i = 0; i < n; i++) {
                float v = dst.get(i);
                if (!Float.isFinite(v)) {
                    throw new FormatException(file + ": non-finite value " + v + " at flat index " + i
                            + (expectedShape.length == 2 ? " (row " + i / cols + ", column " + i % cols + ")" : "")
                            + (what == null ? "" : " in " + what));
                }
            }
            return m;
        }
    }

    /** {@link #read(Path, long[], String)} without a description. */
    public static Matrix read(Path file, long[] expectedShape) throws IOException {
        return read(file, expectedShape, null);
    }

    private static void requireRegularFile(Path file) throws FileNotFoundException {
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException(file + (Files.exists(file) ? ": not a regular file" : ": no such file"));
        }
    }

    private static void checkDataLength(Path file, Header h, long size, long n, int itemSize) throws FormatException {
        long needed = n * itemSize;
        long available = size - h.dataOffset();
        if (available < needed) {
            throw new FormatException(file + ": truncated: shape " + Arrays.toString(h.shape()) + " needs "
                    + needed + " data bytes but only " + available + " follow the header");
        }
        if (available > needed) {
            throw new FormatException(file + ": corrupt: " + (available - needed)
                    + " unexpected bytes after the " + needed + " data bytes");
        }
    }

    /**
     * Reads rows x cols values of itemSize bytes (4: float32, 8: float64) after the header into a new
     * row-major matrix, converting float64 to float32 (a finite float64 beyond the float32 range is an
     * error). The data length has been checked.
     */
    private static Matrix readData(FileChannel ch, Path file, Header h, int rows, int cols, int itemSize)
            throws IOException {
        ByteOrder order = ((String) h.descr()).charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long n = (long) rows * cols;
        Matrix m = Matrix.zeros(rows, cols);
        FloatBuffer dst = m.data();
        ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(order);
        long pos = h.dataOffset();
        long k = 0; // index in file order
        while (k < n) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), (n - k) * itemSize));
            readFully(ch, buf, pos, file);
            pos += buf.limit();
            buf.flip();
            while (buf.remaining() >= itemSize) {
                // Fortran order: file index k = j * rows + i.
                int idx = h.fortranOrder() ? (int) ((k % rows) * cols + k / rows) : (int) k;
                float v;
                if (itemSize == Float.BYTES) {
                    v = buf.getFloat();
                } else {
                    double x = buf.getDouble();
                    v = (float) x;
                    if (Double.isFinite(x) && !Float.isFinite(v)) {
                        throw new FormatException(file + ": value " + x + " at row " + idx / cols + ", column "
                                + idx % cols + " is outside the float32 range");
                    }
                }
                dst.put(idx, v);
                k++;
            }
        }
        return m;
    }

    /** rows and cols of the matrix an array of this shape is read into (a 1-d (k,) is 1 x k). */
    private static int[] matrixShape(long[] shape) {
        if (shape == null || shape.length < 1 || shape.length > 2) {
            throw new IllegalArgumentException("expected a 1-d or 2-d shape, got "
                    + (shape == null ? "null" : Arrays.toString(shape)));
        }
        long rows = shape.length == 1 ? 1 : shape[0];
        long cols = shape[shape.length - 1];
        if (rows < 1 || cols < 1 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE
                || rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                    + " is not that of a matrix (dimensions must be positive, at most " + Integer.MAX_VALUE + " values)");
        }
        return new int[] {(int) rows, (int) cols};
    }

    // ---------------------------------------------------------------------------------------- header

    /** A parsed .npy header: descr (a dtype string, or a list for a structured dtype), order, shape, data offset. */
    private record Header(Object descr, boolean fortranOrder, long[] shape, long dataOffset) {
    }

    private static Header readHeader(FileChannel ch, long size, Path file) throws IOException {
        if (size < 10) {
            throw new FormatException(file + ": not a .npy file (only " + size + " bytes)");
        }
        ByteBuffer pre = ByteBuffer.allocate((int) Math.min(12, size)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0, file);
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) {
                throw new FormatException(file + ": not a .npy file (bad magic bytes)");
            }
        }
        int major = pre.get(6) & 0xFF;
        int minor = pre.get(7) & 0xFF;
        long headerLen;
        long start;
        if (major == 1) {
            headerLen = pre.getShort(8) & 0xFFFF;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) {
                throw new FormatException(file + ": truncated .npy header");
            }
            headerLen = pre.getInt(8) & 0xFFFFFFFFL;
            start = 12;
        } else {
            throw new FormatException(file + ": unsupported .npy format version " + major + "." + minor);
        }
        if (start + headerLen > size) {
            throw new FormatException(file + ": truncated .npy header (says " + headerLen + " bytes, file has "
                    + (size - start) + " after the preamble)");
        }
        if (headerLen > MAX_HEADER) {
            throw new FormatException(file + ": implausible .npy header length " + headerLen);
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, start, file);
        String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<?, ?> dict;
        try {
            Object parsed = new PythonLiteral(text).parseAll();
            if (!(parsed instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("not a dict");
            }
            dict = map;
        } catch (IllegalArgumentException e) {
            throw new FormatException(file + ": malformed .npy header (" + e.getMessage() + "): " + text.strip(), e);
        }
        if (!dict.containsKey("descr") || !dict.containsKey("fortran_order") || !dict.containsKey("shape")) {
            throw new FormatException(file + ": malformed .npy header (needs descr, fortran_order and shape): " + text.strip());
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new FormatException(file + ": malformed .npy header (fortran_order is not True/False): " + text.strip());
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new FormatException(file + ": malformed .npy header (shape is not a tuple): " + text.strip());
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long dim) || dim < 0) {
                throw new FormatException(file + ": malformed .npy header (bad dimension " + dims.get(i) + "): " + text.strip());
            }
            shape[i] = dim;
        }
        return new Header(dict.get("descr"), fortran, shape, start + headerLen);
    }

    /** "'<f8' (float64)" for a dtype string, "a structured dtype [...]" otherwise. */
    private static String describeDtype(Object descr) {
        if (!(descr instanceof String s)) {
            return "a structured dtype " + descr;
        }
        String name = switch (s.length() >= 2 ? s.substring(1) : s) {
            case "f2" -> "float16";
            case "f4" -> "float32";
            case "f8" -> "float64";
            case "i1" -> "int8";
            case "i2" -> "int16";
            case "i4" -> "int32";
            case "i8" -> "int64";
            case "u1" -> "uint8";
            case "u2" -> "uint16";
            case "u4" -> "uint32";
            case "u8" -> "uint64";
            case "b1" -> "bool";
            default -> null;
        };
        return "'" + s + "'" + (name == null ? "" : " (" + name + ")");
    }

    // ----------------------------------------------------------------------------------------- write

    /** Writes a float32 (rows, cols) .npy atomically; see {@link #write(Path, Matrix, long[])}. */
    public static void write(Path file, Matrix m) throws IOException {
        write(file, m, new long[] {m.rows(), m.cols()});
    }

    /**
     * Writes the matrix as a float32 .npy (NPY 1.0, {@code '<f4'}, C order) of the given shape: 2-d
     * {@code (rows, cols)}, or 1-d {@code (k,)} for a 1 x k matrix (a bias). Values are written as they
     * are, NaN and infinities included (which {@link #readMatrix} and {@link #read} reject).
     *
     * <p>Atomic: the file is written under a temporary sibling name, forced to disk and renamed over
     * {@code file}, so a reader sees the previous content or the new, never a part; on failure the
     * temporary file is removed and {@code file} is left as it was. Parent folders are created.
     *
     * @throws IllegalArgumentException if {@code shape} is not the matrix's shape ({@code (cols,)} being
     *                                  accepted for a single row)
     */
    public static void write(Path file, Matrix m, long[] shape) throws IOException {
        boolean fits = shape != null && (shape.length == 2 ? shape[0] == m.rows() && shape[1] == m.cols()
                : shape.length == 1 && m.rows() == 1 && shape[0] == m.cols());
        if (!fits) {
            throw new IllegalArgumentException("cannot write a " + m.rows() + " x " + m.cols() + " matrix as shape "
                    + (shape == null ? "null" : Arrays.toString(shape)));
        }
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = MAGIC.length + 4 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] headerBytes = header.getBytes(StandardCharsets.ISO_8859_1);

        FloatBuffer values = m.data();
        int n = m.size();
        AtomicFiles.write(file.toAbsolutePath(), out -> {
            ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerBytes.length).put(headerBytes);
            for (int i = 0; i < n; i++) {
                if (buf.remaining() < Float.BYTES) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(values.get(i));
            }
            out.write(buf.array(), 0, buf.position());
        });
    }

    // ------------------------------------------------------------------------------------ file utils

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new FormatException(file + ": unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }
}
