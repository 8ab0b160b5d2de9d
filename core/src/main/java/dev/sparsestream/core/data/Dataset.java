package dev.sparsestream.core.data;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable {@code n x d} data set of floats (already normalised), row-major, with optional
 * integer labels.
 *
 * <p>The arrays given to the constructor are kept, not copied: the MNIST training split alone is
 * 172 MB. Callers must not mutate them after construction; nothing in this class mutates them, and it
 * never hands them out.
 */
public final class Dataset {

    private final String name;
    private final float[] x;
    private final int n;
    private final int d;
    private final int[] labels;
    private final PixelMaps maps;
    private volatile Long checksum; // of immutable values: computed once, on first use

    /**
     * @param name          a human-readable name (for logs and error messages)
     * @param x             {@code n * d} values, row-major; kept, must not be mutated afterwards
     * @param n             number of rows (samples), &gt;= 0
     * @param d             number of columns (dimension), &gt; 0
     * @param labelsOrNull  one label per row, or null when the data set has no labels; kept, must not
     *                      be mutated afterwards
     * @throws IllegalArgumentException if the lengths do not agree with {@code n} and {@code d}
     */
    public Dataset(String name, float[] x, int n, int d, int[] labelsOrNull) {
        this(name, x, n, d, labelsOrNull, null);
    }

    /**
     * As {@link #Dataset(String, float[], int, int, int[])}, with per-sample maps back to pixel space
     * (natural-image patches), or null for data whose {@link Normalisation} is the same for every sample.
     */
    public Dataset(String name, float[] x, int n, int d, int[] labelsOrNull, PixelMaps mapsOrNull) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(x, "x");
        if (n < 0) {
            throw new IllegalArgumentException(name + ": n must be >= 0, got " + n);
        }
        if (d <= 0) {
            throw new IllegalArgumentException(name + ": d must be > 0, got " + d);
        }
        if (x.length != (long) n * d) {
            throw new IllegalArgumentException(name + ": x must hold n*d = " + (long) n * d
                    + " values, got " + x.length);
        }
        if (labelsOrNull != null && labelsOrNull.length != n) {
            throw new IllegalArgumentException(name + ": labels must hold n = " + n + " values, got "
                    + labelsOrNull.length);
        }
        if (mapsOrNull != null && (mapsOrNull.size() != n || mapsOrNull.dim() != d)) {
            throw new IllegalArgumentException(name + ": pixel maps of " + mapsOrNull.size() + " x " + mapsOrNull.dim()
                    + " for data of " + n + " x " + d);
        }
        this.maps = mapsOrNull;
        this.x = x;
        this.n = n;
        this.d = d;
        this.labels = labelsOrNull;
    }

    /** @return the name given at construction */
    public String name() {
        return name;
    }

    /** @return the number of rows n */
    public int size() {
        return n;
    }

    /** @return the dimension d of a row */
    public int dim() {
        return d;
    }

    /** @return whether the rows carry labels */
    public boolean hasLabels() {
        return labels != null;
    }

    /** @return the per-sample maps to pixel space, or null when the data's {@link Normalisation} applies to all */
    public PixelMaps pixelMaps() {
        return maps;
    }

    /**
     * @param i row index
     * @return the label of row {@code i}
     * @throws IllegalStateException if the data set has no labels
     */
    public int label(int i) {
        if (labels == null) {
            throw new IllegalStateException(name + " has no labels");
        }
        return labels[Objects.checkIndex(i, n)];
    }

    /**
     * @param i row
     * @param j column
     * @return the value at (i, j)
     */
    public float get(int i, int j) {
        Objects.checkIndex(i, n);
        Objects.checkIndex(j, d);
        return x[i * d + j];
    }

    /**
     * Gathers rows {@code indices[from .. from+count)} into {@code dest}, which receives them as a
     * row-major {@code count x d} block starting at absolute index 0. Uses absolute puts only, so
     * {@code dest}'s position (and limit, mark) are left unchanged.
     *
     * @param indices row indices into this data set (for instance a {@link BatchOrder} permutation)
     * @param from    first entry of {@code indices} to use
     * @param count   number of rows to copy
     * @param dest    destination; its limit must be at least {@code count * d}
     * @throws IndexOutOfBoundsException if a range or an index is out of bounds
     */
    public void copyRows(int[] indices, int from, int count, FloatBuffer dest) {
        Objects.checkFromIndexSize(from, count, indices.length);
        checkDest(count, dest);
        for (int r = 0; r < count; r++) {
            int src = Objects.checkIndex(indices[from + r], n);
            dest.put(r * d, x, src * d, d);
        }
    }

    /**
     * Copies the contiguous rows {@code from .. from+count)} into {@code dest} as a row-major
     * {@code count x d} block starting at absolute index 0, leaving {@code dest}'s position unchanged.
     *
     * @param from  first row
     * @param count number of rows
     * @param dest  destination; its limit must be at least {@code count * d}
     */
    public void copyRows(int from, int count, FloatBuffer dest) {
        Objects.checkFromIndexSize(from, count, n);
        checkDest(count, dest);
        dest.put(0, x, from * d, count * d);
    }

    /**
     * A CRC-32C of the shape and the values (n and d as little-endian ints, then each value's bits, little-endian):
     * two nodes that loaded the same data hold the same checksum, and a different file, sample count, split or
     * normalisation changes it. Not a cryptographic hash; it catches mistakes, not forgeries. Computed once.
     */
    public long checksum() {
        Long c = checksum;
        if (c == null) {
            c = crc32c();
            checksum = c;
        }
        return c;
    }

    private long crc32c() {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(n).putInt(d).flip());
        java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(64 * 1024).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer floats = block.asFloatBuffer(); // a view of all of block, little-endian
        for (int from = 0; from < x.length; from += floats.capacity()) {
            int count = Math.min(floats.capacity(), x.length - from);
            floats.clear();
            floats.put(x, from, count);
            block.clear().limit(count * Float.BYTES);
            crc.update(block);
        }
        return crc.getValue();
    }

    private void checkDest(int count, FloatBuffer dest) {
        if ((long) count * d > dest.limit()) {
            throw new IndexOutOfBoundsException(name + ": destination buffer holds " + dest.limit()
                    + " floats (limit), need " + (long) count * d + " for " + count + " rows of " + d);
        }
    }

    /**
     * @param count number of leading rows, 1..size()
     * @return a new data set holding copies of the first {@code count} rows (and labels), named
     *         {@code name + "[:" + count + "]"}
     * @throws IllegalArgumentException if {@code count} is not in 1..size()
     */
    public Dataset head(int count) {
        if (count < 1 || count > n) {
            throw new IllegalArgumentException(name + ": head(" + count + ") needs 1 <= count <= size() = " + n);
        }
        return new Dataset(name + "[:" + count + "]", Arrays.copyOf(x, count * d), count, d,
                labels == null ? null : Arrays.copyOf(labels, count), maps == null ? null : maps.head(count));
    }

    /**
     * @param newName name of the result
     * @param indices rows to take, in order (repetitions allowed)
     * @return a new data set whose row {@code r} is a copy of row {@code indices[r]} of this one
     */
    public Dataset select(String newName, int[] indices) {
        float[] y = new float[Math.multiplyExact(indices.length, d)];
        int[] l = labels == null ? null : new int[indices.length];
        for (int r = 0; r < indices.length; r++) {
            int src = Objects.checkIndex(indices[r], n);
            System.arraycopy(x, src * d, y, r * d, d);
            if (l != null) {
                l[r] = labels[src];
            }
        }
        return new Dataset(newName, y, indices.length, d, l, maps == null ? null : maps.select(indices));
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + n + " x " + d + (labels == null ? "" : ", labelled")
                + (maps == null ? "" : ", pixel maps") + "]";
    }
}
