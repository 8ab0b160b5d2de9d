package dev.sparsestream.core.device;

import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * The CPU: products through JavaCPP's OpenBLAS preset ({@code cblas_sgemm} on the matrices' native memory, no
 * copy, no allocation), elementwise work in fused Java loops over heap rows, which HotSpot vectorises (it does
 * not vectorise loops over direct buffers). Safe for concurrent callers: each thread has its own row scratch.
 */
public final class CpuDevice implements Device {
    static final CpuDevice INSTANCE = new CpuDevice();

    /**
     * Products on at most this many rows with an operand B of at least this many elements go to {@link #rowByRow}
     * (measured with {@code bench --active}: above 4 rows, or for a B that fits the cache, one sgemm costs less).
     */
    static final int GEMV_ROWS = 4;
    /**
     * Products of fewer multiply-adds than SMALL_PRODUCT (rows x cols x inner) whose second operand has fewer
     * elements than SMALL_OPERAND run on one BLAS thread. Measured: VDL's products (at most 250 x 784 x 128,
     * operands of 100K elements) are faster so, its whole one-epoch run 4.4-4.5 s against 5.0-5.3 s; a few rows
     * against VDL-NL's W2 (800K elements) are not (32 rows: 1,481 us against 968 us on two threads), nor are its
     * full products. OpenBLAS splits a product's rows and columns among its threads, never the inner sum, so the
     * results do not depend on the thread count.
     */
    static final long SMALL_PRODUCT = 1L << 25;
    static final long SMALL_OPERAND = 1L << 18;
    static final long GEMV_MIN_OPERAND = 1 << 17;

    private static final ThreadLocal<RowCursor[]> CURSORS = ThreadLocal.withInitial(() -> new RowCursor[] {new RowCursor(), new RowCursor()});

    /** Adam runs in chunks of this many elements, and on more than one core from this many parameters. */
    private static final int CHUNK = 4096;
    private static final int PARALLEL_MIN = 1 << 16;
    private static final ThreadLocal<float[][]> ADAM_CHUNKS =
            ThreadLocal.withInitial(() -> new float[][] {new float[CHUNK], new float[CHUNK], new float[CHUNK], new float[CHUNK]});

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    private volatile int threads = openblas_full.openblas_get_num_threads();

    private CpuDevice() {
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "cpu: " + Runtime.getRuntime().availableProcessors() + " cores, "
                + openblas_full.openblas_get_config().getString() + " (kernel " + openblas_full.openblas_get_corename().getString()
                + "), " + threads() + " BLAS threads";
    }

    @Override
    public Matrix zeros(int rows, int cols) {
        return Matrix.hostMemory(this, rows, cols);
    }

    @Override
    public void gemm(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, float alpha, float beta, int rows) {
        int k = transA ? a.rows() : a.cols();
        if (!transA && rows <= GEMV_ROWS && (long) k * c.cols() >= GEMV_MIN_OPERAND) {
            rowByRow(a, b, transB, c, alpha, beta, rows, k);
            return;
        }
        // Set per call (the thread count is process-wide).
        boolean small = threads > 1 && (long) rows * c.cols() * k < SMALL_PRODUCT && (long) k * c.cols() < SMALL_OPERAND;
        if (small) {
            openblas_full.openblas_set_num_threads(1);
        }
        openblas_full.cblas_sgemm(openblas_full.CblasRowMajor,
                transA ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                transB ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                rows, c.cols(), k, alpha, a.pointer(), a.cols(), b.pointer(), b.cols(), beta, c.pointer(), c.cols());
        if (small) {
            openblas_full.openblas_set_num_threads(threads);
        }
    }

    /**
     * C[i] = alpha op(B)^T A[i] + beta C[i] for each of the few rows i, one matrix-vector product each. Why: on
     * few rows, sgemm's cost hardly falls with the rows (it packs all of B, the large operand, on every call:
     * measured, a FISTA step's two products with the non-linear decoder's W2 take 400-450 us on 2 to 8 rows),
     * while sgemv streams B once per row with no copy (75 us a row). The tail of a FISTA solve, where a few
     * samples are still active, then costs per sample.
     */
    private static void rowByRow(Matrix a, Matrix b, boolean transB, Matrix c, float alpha, float beta, int rows, int k) {
        RowCursor[] cur = CURSORS.get();
        RowCursor ai = cur[0];
        RowCursor ci = cur[1];
        int n = c.cols();
        for (int i = 0; i < rows; i++) {
            ai.at(a.pointer(), (long) i * k);
            ci.at(c.pointer(), (long) i * n);
            if (transB) { // B (n, k): C[i] = B A[i]
                openblas_full.cblas_sgemv(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans, n, k, alpha,
                        b.pointer(), k, ai, 1, beta, ci, 1);
            } else {      // B (k, n): C[i] = B^T A[i]
                openblas_full.cblas_sgemv(openblas_full.CblasRowMajor, openblas_full.CblasTrans, k, n, alpha,
                        b.pointer(), n, ai, 1, beta, ci, 1);
            }
        }
    }

    /**
     * A pointer into another's memory at an offset, re-aimed in place: a row of a matrix handed to BLAS without
     * allocating a pointer object per call. JNI reads its address and position fields.
     */
    private static final class RowCursor extends FloatPointer {
        RowCursor() {
            super((Pointer) null);
        }

        void at(FloatPointer base, long offset) {
            address = base.address();
            capacity = base.capacity();
            limit = base.capacity();
            position = offset;
        }
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("BLAS threads must be >= 1, got " + threads);
        }
        openblas_full.openblas_set_num_threads(threads);
        this.threads = threads;
    }

    /** Three heap rows of at least len floats, this thread's own (grown once, then reused: no allocation per call). */
    private static float[][] rows(int len) {
        float[][] s = SCRATCH.get();
        if (s[0].length < len) {
            s[0] = new float[len];
            s[1] = new float[len];
            s[2] = new float[len];
        }
        return s;
    }

    @Override
    public void biasRelu(Matrix x, Matrix b, int rows) {
        Matrix.requireShape(b, 1, x.cols(), "bias");
        reluOfSum(x, b, true, rows);
    }

    @Override
    public void reluMask(Matrix g, Matrix h, int rows) {
        int m = g.cols();
        float[][] s = rows(m);
        float[] gg = s[0];
        float[] hh = s[1];
        FloatBuffer gd = g.data();
        FloatBuffer hd = h.data();
        for (int i = 0; i < rows; i++) {
            gd.get(i * m, gg, 0, m);
            hd.get(i * m, hh, 0, m);
            for (int k = 0; k < m; k++) {
                // 1[h > 0] without a branch (a data-dependent branch here mispredicts half the time and costs
                // 10x): h >= 0 after the ReLU, and 2^200 h >= 1 for every positive float h.
                gg[k] *= Math.min(1f, (hh[k] * 0x1p100f) * 0x1p100f);
            }
            gd.put(i * m, gg, 0, m);
        }
    }

    @Override
    public void addBiasRelu(Matrix x, Matrix b, Matrix out, int rows) {
        int m = x.cols();
        Matrix.requireShape(b, 1, m, "bias");
        requireRows(out, x, rows, "addBiasRelu");
        float[][] s = rows(m);
        float[] v = s[0];
        float[] bias = s[1];
        b.data().get(0, bias, 0, m);
        FloatBuffer xd = x.data();
        FloatBuffer od = out.data();
        for (int i = 0; i < rows; i++) {
            xd.get(i * m, v, 0, m);
            for (int k = 0; k < m; k++) {
                v[k] += bias[k];
            }
            xd.put(i * m, v, 0, m);
            for (int k = 0; k < m; k++) {
                v[k] = Math.max(0f, v[k]);
            }
            od.put(i * m, v, 0, m);
        }
    }

    @Override
    public void addRelu(Matrix x, Matrix a, int rows) {
        requireRows(a, x, rows, "addRelu");
        reluOfSum(x, a, false, rows);
    }

    /** x[0:rows] = relu(x + a), a's row i added to x's row i, or its one row to every row when broadcast. */
    private static void reluOfSum(Matrix x, Matrix a, boolean broadcast, int rows) {
        int m = x.cols();
        float[][] s = rows(m);
        float[] v = s[0];
        float[] w = s[1];
        FloatBuffer xd = x.data();
        FloatBuffer ad = a.data();
        if (broadcast) {
            ad.get(0, w, 0, m);
        }
        for (int i = 0; i < rows; i++) {
            xd.get(i * m, v, 0, m);
            if (!broadcast) {
                ad.get(i * m, w, 0, m);
            }
            for (int k = 0; k < m; k++) {
                v[k] = Math.max(0f, v[k] + w[k]);
            }
            xd.put(i * m, v, 0, m);
        }
    }

    @Override
    public double difference(Matrix out, Matrix a, Matrix b, float scale, int rows, boolean sum) {
        int m = a.cols();
        requireRows(b, a, rows, "difference");
        requireRows(out, a, rows, "difference");
        float[][] s = rows(m);
        float[] v = s[0];
        float[] w = s[1];
        FloatBuffer ad = a.data();
        FloatBuffer bd = b.data();
        FloatBuffer od = out.data();
        double total = 0;
        for (int i = 0; i < rows; i++) {
            ad.get(i * m, v, 0, m);
            bd.get(i * m, w, 0, m);
            if (sum) {
                total += Matrix.squaredDistance(v, w, m);
            }
            for (int k = 0; k < m; k++) {
                v[k] = scale * (v[k] - w[k]);
            }
            od.put(i * m, v, 0, m);
        }
        return total;
    }

    @Override
    public void reluBackward(Matrix dOut, Matrix h, Matrix dIn, Matrix sum, boolean accumulate, int rows) {
        int m = dOut.cols();
        requireRows(h, dOut, rows, "reluBackward");
        requireRows(dIn, dOut, rows, "reluBackward");
        requireRows(sum, dOut, rows, "reluBackward");
        float[][] s = rows(m);
        float[] g = s[0];
        float[] hh = s[1];
        float[] acc = s[2];
        FloatBuffer gd = dOut.data();
        FloatBuffer hd = h.data();
        FloatBuffer id = dIn.data();
        FloatBuffer sd = sum.data();
        for (int i = 0; i < rows; i++) {
            gd.get(i * m, g, 0, m);
            hd.get(i * m, hh, 0, m);
            for (int k = 0; k < m; k++) {
                g[k] = hh[k] > 0f ? g[k] : 0f;
            }
            id.put(i * m, g, 0, m);
            if (accumulate) {
                sd.get(i * m, acc, 0, m);
                for (int k = 0; k < m; k++) {
                    acc[k] += g[k];
                }
                sd.put(i * m, acc, 0, m);
            } else {
                sd.put(i * m, g, 0, m);
            }
        }
    }

    @Override
    public void rowDots(Matrix a, Matrix b, double scale, int rows, double[] out, boolean accumulate) {
        int m = a.cols();
        requireRows(b, a, rows, "rowDots");
        float[][] s = rows(m);
        float[] av = s[0];
        float[] bv = s[1];
        for (int i = 0; i < rows; i++) {
            a.data().get(i * m, av, 0, m);
            b.data().get(i * m, bv, 0, m);
            double sum = 0;
            for (int k = 0; k < m; k++) {
                sum += (double) av[k] * bv[k];
            }
            out[i] = (accumulate ? out[i] : 0) + scale * sum;
        }
    }

    private static void requireRows(Matrix m, Matrix like, int rows, String what) {
        if (m.cols() != like.cols() || m.rows() < rows || like.rows() < rows) {
            throw new IllegalArgumentException(what + ": " + m + " against " + like + " on " + rows + " rows");
        }
    }

    @Override
    public void columnSums(Matrix x, Matrix out) {
        int m = x.cols();
        Matrix.requireShape(out, 1, m, "column sums");
        float[][] s = rows(m);
        float[] g = s[0];
        float[] acc = s[1];
        java.util.Arrays.fill(acc, 0, m, 0f);
        FloatBuffer xd = x.data();
        for (int i = 0, n = x.rows(); i < n; i++) {
            xd.get(i * m, g, 0, m);
            for (int k = 0; k < m; k++) {
                acc[k] += g[k];
            }
        }
        out.data().put(0, acc, 0, m);
    }

    @Override
    public void normaliseColumns(Matrix w) {
        FloatBuffer d = w.data();
        int rows = w.rows();
        int cols = w.cols();
        double[] sq = new double[cols]; // once per decoder update, not per FISTA step
        for (int i = 0, o = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++, o++) {
                float v = d.get(o);
                sq[j] += (double) v * v;
            }
        }
        float[] inv = new float[cols];
        for (int j = 0; j < cols; j++) {
            // A zero column stays zero rather than becoming NaN.
            inv[j] = sq[j] > 0 ? (float) (1 / Math.sqrt(sq[j])) : 0f;
        }
        for (int i = 0, o = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++, o++) {
                d.put(o, d.get(o) * inv[j]);
            }
        }
    }

    @Override
    public void adamStep(Matrix p, Matrix g, Matrix m, Matrix v, AdamStep s) {
        int size = p.size();
        if (!g.sameShape(p) || !m.sameShape(p) || !v.sameShape(p)) {
            throw new IllegalArgumentException("Adam: parameter " + p + ", gradient " + g + ", moments " + m + ", " + v);
        }
        // Elementwise, so any split gives the same floats. Measured on 1M parameters (the non-linear decoder):
        // 1.96 ms as one loop over the native buffers, 1.54 ms through heap chunks, 1.2 ms on two cores.
        int parts = size < PARALLEL_MIN ? 1 : Math.min(threads(), Runtime.getRuntime().availableProcessors());
        if (parts <= 1) {
            adamRange(p, g, m, v, s, 0, size);
            return;
        }
        int chunk = ((size + parts - 1) / parts + CHUNK - 1) / CHUNK * CHUNK;
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[parts - 1]; // once per update, not per FISTA step
        for (int t = 1; t < parts; t++) {
            int from = Math.min(size, t * chunk);
            int to = Math.min(size, from + chunk);
            others[t - 1] = ForkJoinPool.commonPool().submit(() -> adamRange(p, g, m, v, s, from, to));
        }
        adamRange(p, g, m, v, s, 0, Math.min(size, chunk));
        for (ForkJoinTask<?> t : others) {
            t.join(); // a task no pool thread has taken yet runs here
        }
    }

    /** Adam on elements [from, to), through this thread's heap chunks (HotSpot vectorises loops over arrays). */
    private static void adamRange(Matrix p, Matrix g, Matrix m, Matrix v, AdamStep s, int from, int to) {
        float[][] c = ADAM_CHUNKS.get();
        float[] pc = c[0];
        float[] gc = c[1];
        float[] mc = c[2];
        float[] vc = c[3];
        FloatBuffer pd = p.data();
        FloatBuffer gd = g.data();
        FloatBuffer md = m.data();
        FloatBuffer vd = v.data();
        // PyTorch's float32 arithmetic, operation by operation (torch.optim.Adam's single-tensor path).
        float c1 = s.oneMinusBeta1();
        float b2 = s.beta2();
        float c2 = s.oneMinusBeta2();
        float wd = s.weightDecay();
        float stepSize = s.stepSize();
        float bc2 = s.biasCorrection2Sqrt();
        float eps = s.eps();
        for (int o = from; o < to; o += CHUNK) {
            int len = Math.min(CHUNK, to - o);
            pd.get(o, pc, 0, len);
            gd.get(o, gc, 0, len);
            md.get(o, mc, 0, len);
            vd.get(o, vc, 0, len);
            for (int i = 0; i < len; i++) {
                float pv = pc[i];
                float gv = wd != 0f ? gc[i] + wd * pv : gc[i];
                float mOld = mc[i];
                float mv = mOld + c1 * (gv - mOld);       // exp_avg.lerp_(grad, 1 - beta1)
                float vv = b2 * vc[i] + c2 * gv * gv;     // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
                mc[i] = mv;
                vc[i] = vv;
                pc[i] = pv - stepSize * (mv / ((float) Math.sqrt(vv) / bc2 + eps));
            }
            pd.put(o, pc, 0, len);
            md.put(o, mc, 0, len);
            vd.put(o, vc, 0, len);
        }
    }

    @Override
    public Fista fista(int n, int l) {
        return new CpuFista(n, l);
    }
}
