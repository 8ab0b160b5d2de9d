package dev.sparsestream.core.device;

import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.tensor.Matrix;
import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * The CPU: products through JavaCPP's OpenBLAS preset ({@code cblas_sgemm} on the matrices' native memory, no
 * copy, no allocation), elementwise work in fused Java loops over heap rows, which HotSpot vectorises (it does
 * not vectorise loops over direct buffers). Safe for concurrent callers: each thread has its own row scratch.
 */
public final class CpuDevice implements Device {
    static final CpuDevice INSTANCE = new CpuDevice();

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

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
        openblas_full.cblas_sgemm(openblas_full.CblasRowMajor,
                transA ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                transB ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                rows, c.cols(), k, alpha, a.pointer(), a.cols(), b.pointer(), b.cols(), beta, c.pointer(), c.cols());
    }

    @Override
    public int threads() {
        return openblas_full.openblas_get_num_threads();
    }

    @Override
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("BLAS threads must be >= 1, got " + threads);
        }
        openblas_full.openblas_set_num_threads(threads);
    }

    /** Two heap rows of at least len floats, this thread's own (grown once, then reused: no allocation per call). */
    private static float[][] rows(int len) {
        float[][] s = SCRATCH.get();
        if (s[0].length < len) {
            s[0] = new float[len];
            s[1] = new float[len];
        }
        return s;
    }

    @Override
    public void biasRelu(Matrix x, Matrix b, int rows) {
        int m = x.cols();
        Matrix.requireShape(b, 1, m, "bias");
        float[][] s = rows(m);
        float[] h = s[0];
        float[] bias = s[1];
        FloatBuffer xd = x.data();
        b.data().get(0, bias, 0, m);
        for (int i = 0; i < rows; i++) {
            xd.get(i * m, h, 0, m);
            for (int k = 0; k < m; k++) {
                h[k] = Math.max(0f, h[k] + bias[k]);
            }
            xd.put(i * m, h, 0, m);
        }
    }

    @Override
    public double residual(Matrix r, Matrix y, float scale, int rows, boolean sum) {
        int d = r.cols();
        if (y.cols() != d || y.rows() < rows || r.rows() < rows) {
            throw new IllegalArgumentException("residual: " + r + " against " + y + " on " + rows + " rows");
        }
        float[][] s = rows(d);
        float[] rr = s[0];
        float[] t = s[1];
        FloatBuffer rd = r.data();
        FloatBuffer yd = y.data();
        double total = 0;
        for (int i = 0; i < rows; i++) {
            rd.get(i * d, rr, 0, d);
            yd.get(i * d, t, 0, d);
            for (int p = 0; p < d; p++) {
                rr[p] -= t[p];
            }
            if (sum) {
                total += sumOfSquares(rr, d);
            }
            for (int p = 0; p < d; p++) {
                rr[p] *= scale;
            }
            rd.put(i * d, rr, 0, d);
        }
        return total;
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
        for (int o = 0; o < size; o++) {
            float pv = pd.get(o);
            float gv = wd != 0f ? gd.get(o) + wd * pv : gd.get(o);
            float mOld = md.get(o);
            float mv = mOld + c1 * (gv - mOld);       // exp_avg.lerp_(grad, 1 - beta1)
            float vv = b2 * vd.get(o) + c2 * gv * gv; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
            md.put(o, mv);
            vd.put(o, vv);
            pd.put(o, pv - stepSize * (mv / ((float) Math.sqrt(vv) / bc2 + eps)));
        }
    }

    @Override
    public Fista fista(int n, int l) {
        return new CpuFista(n, l);
    }

    /** sum_p r_p^2 in double, from float partial sums (eight chains, so the loop is not latency bound). */
    public static double sumOfSquares(float[] r, int len) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        int p = 0;
        for (; p + 7 < len; p += 8) {
            a0 += r[p] * r[p];
            a1 += r[p + 1] * r[p + 1];
            a2 += r[p + 2] * r[p + 2];
            a3 += r[p + 3] * r[p + 3];
            a4 += r[p + 4] * r[p + 4];
            a5 += r[p + 5] * r[p + 5];
            a6 += r[p + 6] * r[p + 6];
            a7 += r[p + 7] * r[p + 7];
        }
        for (; p < len; p++) {
            a0 += r[p] * r[p];
        }
        return ((double) a0 + a1 + a2 + a3) + ((double) a4 + a5 + a6 + a7);
    }
}
