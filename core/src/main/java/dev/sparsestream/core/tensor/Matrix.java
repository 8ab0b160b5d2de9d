package dev.sparsestream.core.tensor;

import java.nio.FloatBuffer;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense row-major float32 matrix backed by an ND4J array, with a cached {@link FloatBuffer} view of
 * its memory for fused elementwise loops and a cached native pointer for BLAS.
 *
 * <p>Why: small ND4J elementwise calls cost 20-50 us each and {@code Nd4j.gemm} allocates an op object
 * per call; the FISTA hot path therefore does its elementwise work in plain Java loops over the view
 * and its products through {@link #gemm}, which calls the OpenBLAS that ND4J's CPU backend links
 * directly (zero allocation, a third of the call overhead). On other backends it falls back to
 * {@code Nd4j.gemm}.
 */
public final class Matrix {
    /** True when ND4J runs on its CPU backend, so its buffers are host memory OpenBLAS can use. */
    public static final boolean CPU_BACKEND;

    static {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        CPU_BACKEND = Nd4j.getEnvironment().isCPU();
    }

    private final INDArray array;
    private final int rows;
    private final int cols;
    private final FloatBuffer data;
    private final FloatPointer pointer;

    private Matrix(INDArray array) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a float32 array, got " + array.dataType());
        }
        if (array.rank() != 2 || array.ordering() != 'c' || array.isView()) {
            throw new IllegalArgumentException("expected a dense row-major 2-d array, got shape "
                    + java.util.Arrays.toString(array.shape()) + " order " + array.ordering());
        }
        this.array = array;
        this.rows = (int) array.rows();
        this.cols = (int) array.columns();
        this.data = array.data().asNioFloat();
        this.pointer = CPU_BACKEND ? (FloatPointer) array.data().addressPointer() : null;
    }

    public static Matrix zeros(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("matrix dimensions must be positive: " + rows + " x " + cols);
        }
        return new Matrix(Nd4j.create(DataType.FLOAT, new long[] {rows, cols}, 'c'));
    }

    /** Wraps (no copy) a float32 row-major array; a rank-1 array of length k becomes 1 x k. */
    public static Matrix wrap(INDArray array) {
        INDArray a = array.rank() == 1 ? array.reshape('c', 1, array.length()) : array;
        if (a.isView() || a.ordering() != 'c') {
            a = a.dup('c');
        }
        return new Matrix(a.castTo(DataType.FLOAT));
    }

    public static Matrix of(int rows, int cols, float[] values) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values, got " + values.length);
        }
        Matrix m = zeros(rows, cols);
        m.data.put(0, values);
        return m;
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

    /** The backing ND4J array (shares memory with this matrix). */
    public INDArray array() {
        return array;
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

    public Matrix copy() {
        Matrix m = zeros(rows, cols);
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
     * C = alpha * op(A) op(B) + beta * C, op(X) = X or X^T. Shapes are checked; no allocation on the
     * CPU backend.
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
        product(a, transA, b, transB, c, alpha, beta, m);
    }

    /**
     * Like {@link #gemm} with A not transposed, on the first {@code rows} rows of A and C only
     * (C[0:rows] = alpha A[0:rows] op(B) + beta C[0:rows]); the other rows of C are left alone.
     */
    public static void gemmRows(Matrix a, Matrix b, boolean transB, Matrix c, float alpha, float beta, int rows) {
        if (rows == a.rows && rows == c.rows) {
            gemm(a, false, b, transB, c, alpha, beta);
            return;
        }
        int k = a.cols;
        int kb = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        if (k != kb || c.cols != n || rows < 0 || rows > a.rows || rows > c.rows) {
            throw new IllegalArgumentException("gemmRows shape mismatch: A " + a + ", op(B) " + kb + "x" + n + ", C " + c
                    + ", rows " + rows);
        }
        if (rows > 0) {
            product(a, false, b, transB, c, alpha, beta, rows);
        }
    }

    /** @return how many threads OpenBLAS uses for one product (1 on the device backend) */
    public static int blasThreads() {
        return CPU_BACKEND ? openblas.blas_get_num_threads() : 1;
    }

    /**
     * Sets how many threads OpenBLAS uses for one product, process-wide. Several threads calling products
     * at once (parallel inference workers) each want a share of the cores, not all of them: OpenBLAS's
     * threaded products from different callers queue for one thread pool.
     */
    public static void setBlasThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("BLAS threads must be >= 1, got " + threads);
        }
        if (CPU_BACKEND) {
            openblas.blas_set_num_threads(threads);
        }
    }

    /** C[0:m] = alpha op(A)[0:m] op(B) + beta C[0:m], shapes already checked; m < rows only without transA. */
    private static void product(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, float alpha, float beta,
                                int m) {
        int k = transA ? a.rows : a.cols;
        int n = c.cols;
        if (CPU_BACKEND) {
            openblas.cblas_sgemm(openblas.CblasRowMajor,
                    transA ? openblas.CblasTrans : openblas.CblasNoTrans,
                    transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    m, n, k, alpha, a.pointer, a.cols, b.pointer, b.cols, beta, c.pointer, c.cols);
            return;
        }
        a.syncToDevice();
        b.syncToDevice();
        c.syncToDevice();
        INDArray av = a.array;
        INDArray cv = c.array;
        if (m < c.rows) {
            var range = org.nd4j.linalg.indexing.NDArrayIndex.interval(0, m);
            var all = org.nd4j.linalg.indexing.NDArrayIndex.all();
            av = av.get(range, all);
            cv = cv.get(range, all);
        }
        Nd4j.gemm(av, b.array, cv, transA, transB, alpha, beta);
        c.syncToHost();
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

    // On a device backend the host view is only valid after an explicit synchronisation.
    private void syncToDevice() {
        Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
    }

    private void syncToHost() {
        Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + " x " + cols + "]";
    }
}
