package dev.sparsestream.core.tensor;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.device.Devices;
import java.nio.FloatBuffer;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A dense row-major float32 matrix in native memory that lives on a {@link Device}: its products and fused
 * steps run there ({@link #gemm}). On the CPU device the memory is host memory, with a cached
 * {@link FloatBuffer} view for elementwise loops and the native pointer for BLAS.
 *
 * <p>Why native memory rather than a float[]: OpenBLAS reads it in place (JNI copies a Java array in and out
 * of every call), and a row range is a pointer offset, so products can run on the first rows only.
 */
public final class Matrix {
    private final Device device;
    private final int rows;
    private final int cols;
    private final FloatPointer pointer;
    private final FloatBuffer data;

    private Matrix(Device device, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("matrix dimensions must be positive: " + rows + " x " + cols);
        }
        this.device = device;
        this.rows = rows;
        this.cols = cols;
        this.pointer = new FloatPointer((long) rows * cols);
        pointer.zero(); // new float[] in native code is not initialised
        this.data = pointer.asBuffer();
    }

    /** A zeroed matrix on the CPU device. */
    public static Matrix zeros(int rows, int cols) {
        return Devices.cpu().zeros(rows, cols);
    }

    /** A zeroed matrix in host memory owned by {@code device} (what a host-memory device's zeros returns). */
    public static Matrix hostMemory(Device device, int rows, int cols) {
        return new Matrix(device, rows, cols);
    }

    /** A matrix on the CPU device holding a copy of values (row-major). */
    public static Matrix of(int rows, int cols, float[] values) {
        return Devices.cpu().of(rows, cols, values);
    }

    /** Uniform in [-bound, bound): PyTorch's default initialisation with bound = 1/sqrt(fan_in). */
    public static Matrix uniform(int rows, int cols, double bound, Random rng) {
        Matrix m = zeros(rows, cols);
        for (int i = 0; i < rows * cols; i++) {
            m.data.put(i, (float) ((rng.nextDouble() * 2 - 1) * bound));
        }
        return m;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int size() {
        return rows * cols;
    }

    /** The device this matrix lives on. */
    public Device device() {
        return device;
    }

    /** The native memory (host memory on the CPU device), for the device's own kernels. */
    public FloatPointer pointer() {
        return pointer;
    }

    /** A view of the memory, row-major, index i * cols + j; use absolute get/put only. */
    public FloatBuffer data() {
        return data;
    }

    public float get(int i, int j) {
        return data.get(i * cols + j);
    }

    public void set(int i, int j, float v) {
        data.put(i * cols + j, v);
    }

    public float[] toArray() {
        float[] out = new float[size()];
        data.get(0, out);
        return out;
    }

    /** A copy on the same device. */
    public Matrix copy() {
        Matrix m = device.zeros(rows, cols);
        m.copyFrom(this);
        return m;
    }

    public void copyFrom(Matrix other) {
        requireShape(other, rows, cols, "copyFrom");
        data.put(0, other.data, 0, size());
    }

    public void fill(float v) {
        for (int i = 0, n = size(); i < n; i++) {
            data.put(i, v);
        }
    }

    public boolean sameShape(Matrix other) {
        return rows == other.rows && cols == other.cols;
    }

    public static void requireShape(Matrix m, int rows, int cols, String what) {
        if (m.rows != rows || m.cols != cols) {
            throw new IllegalArgumentException(what + ": expected " + rows + " x " + cols + ", got " + m.rows + " x " + m.cols);
        }
    }

    /**
     * C = alpha * op(A) op(B) + beta * C, op(X) = X or X^T, on the operands' device. Shapes and devices are
     * checked; no allocation.
     */
    public static void gemm(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, float alpha, float beta) {
        int m = transA ? a.cols : a.rows;
        int k = transA ? a.rows : a.cols;
        int kb = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        if (k != kb || c.rows != m || c.cols != n) {
            throw new IllegalArgumentException("gemm shape mismatch: op(A) " + m + "x" + k + ", op(B) " + kb + "x" + n
                    + ", C " + c.rows + "x" + c.cols);
        }
        sameDevice(a, b, c).gemm(a, transA, b, transB, c, alpha, beta, m);
    }

    /**
     * Like {@link #gemm} with A not transposed, on the first {@code rows} rows of A and C only
     * (C[0:rows] = alpha A[0:rows] op(B) + beta C[0:rows]); the other rows of C are left alone.
     */
    public static void gemmRows(Matrix a, Matrix b, boolean transB, Matrix c, float alpha, float beta, int rows) {
        int k = a.cols;
        int kb = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        if (k != kb || c.cols != n || rows < 0 || rows > a.rows || rows > c.rows) {
            throw new IllegalArgumentException("gemmRows shape mismatch: A " + a + ", op(B) " + kb + "x" + n + ", C " + c
                    + ", rows " + rows);
        }
        if (rows > 0) {
            sameDevice(a, b, c).gemm(a, false, b, transB, c, alpha, beta, rows);
        }
    }

    private static Device sameDevice(Matrix a, Matrix b, Matrix c) {
        if (a.device != b.device || a.device != c.device) {
            throw new IllegalArgumentException("product operands on different devices: " + a.device.name() + ", "
                    + b.device.name() + ", " + c.device.name());
        }
        return a.device;
    }

    /**
     * sum_ij (a_ij - b_ij)^2 in double for two matrices of one shape: each difference in float, as a float loop
     * would form it, squared and summed in double (by rows through heap copies, which HotSpot vectorises).
     */
    public static double squaredDistance(Matrix a, Matrix b) {
        requireShape(b, a.rows, a.cols, "squaredDistance");
        int d = a.cols;
        float[] ra = new float[d]; // once per call (a batch's metrics), not per FISTA step
        float[] rb = new float[d];
        double total = 0;
        for (int i = 0; i < a.rows; i++) {
            a.data.get(i * d, ra, 0, d);
            b.data.get(i * d, rb, 0, d);
            total += squaredDistance(ra, rb, d);
        }
        return total;
    }

    /**
     * out[i] = sum_j (a_ij - b_ij)^2 for each row, as {@link #squaredDistance(Matrix, Matrix)} forms it (whose
     * value is the sum of these in row order): one pass for a batch's energy and its per-sample PSNR.
     */
    public static void rowSquaredDistances(Matrix a, Matrix b, double[] out) {
        requireShape(b, a.rows, a.cols, "rowSquaredDistances");
        if (out.length < a.rows) {
            throw new IllegalArgumentException("rowSquaredDistances: " + out.length + " slots for " + a.rows + " rows");
        }
        int d = a.cols;
        float[] ra = new float[d]; // once per call (a batch's metrics), not per FISTA step
        float[] rb = new float[d];
        for (int i = 0; i < a.rows; i++) {
            a.data.get(i * d, ra, 0, d);
            b.data.get(i * d, rb, 0, d);
            out[i] = squaredDistance(ra, rb, d);
        }
    }

    /** sum_p (a_p - b_p)^2 over the first len entries: float differences, double sums in four chains. */
    public static double squaredDistance(float[] a, float[] b, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int p = 0;
        for (; p + 3 < len; p += 4) {
            double r0 = a[p] - b[p];
            double r1 = a[p + 1] - b[p + 1];
            double r2 = a[p + 2] - b[p + 2];
            double r3 = a[p + 3] - b[p + 3];
            s0 += r0 * r0;
            s1 += r1 * r1;
            s2 += r2 * r2;
            s3 += r3 * r3;
        }
        for (; p < len; p++) {
            double r = a[p] - b[p];
            s0 += r * r;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Swaps rows i and j in place. */
    public void swapRows(int i, int j) {
        if (i == j) {
            return;
        }
        int oi = i * cols;
        int oj = j * cols;
        for (int k = 0; k < cols; k++) {
            float t = data.get(oi + k);
            data.put(oi + k, data.get(oj + k));
            data.put(oj + k, t);
        }
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + " x " + cols + "]";
    }
}
