package dev.sparsestream.core.model;

import dev.sparsestream.core.tensor.Matrix;
import java.util.List;
import java.util.Random;

/** One-hidden-layer decoder y~ = W2 relu(W1 z + b1); W1 m x l, b1 1 x m, W2 d x m, no output bias. */
public final class MlpDecoder implements Decoder {
    private final Matrix w1; // (m, l)
    private final Matrix b1; // (1, m)
    private final Matrix w2; // (d, m)

    public MlpDecoder(Matrix w1, Matrix b1, Matrix w2) {
        Matrix.requireShape(b1, 1, w1.rows(), "decoder b1");
        if (w2.cols() != w1.rows()) {
            throw new IllegalArgumentException("decoder W2 must have " + w1.rows() + " columns, has " + w2.cols());
        }
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
    }

    /** nn.Linear initialisation for both layers (uniform +-1/sqrt(fan_in)); b1 starts at 0 (REFERENCE.md). */
    public static MlpDecoder initialise(int codeDim, int hiddenDim, int dataDim, Random rng) {
        Matrix w1 = Matrix.uniform(hiddenDim, codeDim, 1 / Math.sqrt(codeDim), rng);
        Matrix w2 = Matrix.uniform(dataDim, hiddenDim, 1 / Math.sqrt(hiddenDim), rng);
        return new MlpDecoder(w1, Matrix.zeros(1, hiddenDim), w2);
    }

    public Matrix w1() {
        return w1;
    }

    public Matrix b1() {
        return b1;
    }

    public Matrix w2() {
        return w2;
    }

    public int hiddenDim() {
        return w1.rows();
    }

    @Override
    public int codeDim() {
        return w1.cols();
    }

    @Override
    public int dataDim() {
        return w2.rows();
    }

    @Override
    public List<Matrix> parameters() {
        return List.of(w1, b1, w2);
    }

    @Override
    public List<String> parameterNames() {
        return List.of("W1", "b1", "W2");
    }

    @Override
    public List<Boolean> isWeight() {
        return List.of(true, false, true);
    }

    @Override
    public MlpDecoder copy() {
        return new MlpDecoder(w1.copy(), b1.copy(), w2.copy());
    }

    @Override
    public void copyFrom(Decoder other) {
        MlpDecoder o = (MlpDecoder) other;
        w1.copyFrom(o.w1);
        b1.copyFrom(o.b1);
        w2.copyFrom(o.w2);
    }

    @Override
    public Workspace workspace(int n) {
        return new Workspace(n);
    }

    public final class Workspace implements Decoder.Workspace {
        private final int n;
        private final Matrix hidden;  // (n, m) relu(z W1^T + b1)
        private final Matrix recon;   // (n, d)
        private final Matrix dHidden; // (n, m)
        private final Matrix gradW1;  // (m, l)
        private final Matrix gradB1;  // (1, m)
        private final Matrix gradW2;  // (d, m)
        private final Matrix target;  // (n, d) copy of the bound targets, rows permuted by FISTA
        // One row at a time on the heap: HotSpot vectorises loops over arrays, not over direct buffers.
        private final float[] rowA;   // (max(m, d))
        private final float[] rowB;   // (max(m, d))
        private final float[] bias;     // (m) heap copy of b1
        private final float[] biasGrad; // (m)

        private Workspace(int n) {
            this.n = n;
            hidden = Matrix.zeros(n, hiddenDim());
            recon = Matrix.zeros(n, dataDim());
            dHidden = Matrix.zeros(n, hiddenDim());
            target = Matrix.zeros(n, dataDim());
            gradW1 = Matrix.zeros(hiddenDim(), codeDim());
            gradB1 = Matrix.zeros(1, hiddenDim());
            gradW2 = Matrix.zeros(dataDim(), hiddenDim());
            rowA = new float[Math.max(hiddenDim(), dataDim())];
            rowB = new float[Math.max(hiddenDim(), dataDim())];
            bias = new float[hiddenDim()];
            biasGrad = new float[hiddenDim()];
        }

        @Override
        public int batchSize() {
            return n;
        }

        @Override
        public void bind(Matrix y) {
            Matrix.requireShape(y, n, dataDim(), "decoder target");
            target.copyFrom(y); // a copy: FISTA permutes its rows, and inputs are never changed
        }

        @Override
        public void swapRows(int i, int j) {
            target.swapRows(i, j);
        }

        @Override
        public Matrix decode(Matrix z) {
            return decode(z, n);
        }

        private Matrix decode(Matrix z, int rows) {
            // hidden = relu(z W1^T + b1)   (rows, m);  recon = hidden W2^T   (rows, d)
            Matrix.gemmRows(z, w1, true, hidden, 1f, 0f, rows);
            var hd = hidden.data();
            int m = hiddenDim();
            b1.data().get(0, bias, 0, m);
            float[] h = rowA;
            for (int i = 0; i < rows; i++) {
                hd.get(i * m, h, 0, m);
                for (int k = 0; k < m; k++) {
                    h[k] = Math.max(0f, h[k] + bias[k]);
                }
                hd.put(i * m, h, 0, m);
            }
            Matrix.gemmRows(hidden, w2, true, recon, 1f, 0f, rows);
            return recon;
        }

        /**
         * recon := scale * (recon - y), the gradient at the output; returns the sum of squared residuals
         * when asked (else 0).
         */
        private double residual(Matrix y, float scale, int rows, boolean sum) {
            var rd = recon.data();
            var yd = y.data();
            int d = dataDim();
            float[] r = rowA;
            float[] t = rowB;
            double total = 0;
            for (int i = 0; i < rows; i++) {
                rd.get(i * d, r, 0, d);
                yd.get(i * d, t, 0, d);
                for (int p = 0; p < d; p++) {
                    r[p] -= t[p];
                }
                if (sum) {
                    total += sumOfSquares(r, d);
                }
                for (int p = 0; p < d; p++) {
                    r[p] *= scale;
                }
                rd.put(i * d, r, 0, d);
            }
            return total;
        }

        /** dHidden = (dRecon W2) * 1[hidden > 0]                                  (n, m) */
        private void backToHidden(int rows) {
            Matrix.gemmRows(recon, w2, false, dHidden, 1f, 0f, rows);
            var dd = dHidden.data();
            var hd = hidden.data();
            int m = hiddenDim();
            float[] g = rowA;
            float[] h = rowB;
            for (int i = 0; i < rows; i++) {
                dd.get(i * m, g, 0, m);
                hd.get(i * m, h, 0, m);
                for (int k = 0; k < m; k++) {
                    // 1[h > 0] without a branch (a data-dependent branch here mispredicts half the time and
                    // costs 10x): h >= 0 after the ReLU, and 2^200 h >= 1 for every positive float h.
                    g[k] *= Math.min(1f, (h[k] * 0x1p100f) * 0x1p100f);
                }
                dd.put(i * m, g, 0, m);
            }
        }

        @Override
        public void reconstructionGradient(Matrix x, Matrix grad, int rows) {
            // Four large products: forward two, backward two (no parameter gradients needed here).
            decode(x, rows);
            residual(target, 2f / dataDim(), rows, false);
            backToHidden(rows);
            Matrix.gemmRows(dHidden, w1, false, grad, 1f, 0f, rows); // (rows, l) = dHidden W1
        }

        @Override
        public double backwardMse(Matrix z, Matrix y) {
            double loss = residual(y, 2f / ((float) n * dataDim()), n, true);
            Matrix.gemm(recon, true, hidden, false, gradW2, 1f, 0f);    // (d, m) = dR^T hidden
            backToHidden(n);
            Matrix.gemm(dHidden, true, z, false, gradW1, 1f, 0f);       // (m, l) = dH^T z
            int m = hiddenDim();
            java.util.Arrays.fill(biasGrad, 0f);                        // (m) = sum_i dH_i
            var dd = dHidden.data();
            float[] g = rowA;
            for (int i = 0; i < n; i++) {
                dd.get(i * m, g, 0, m);
                for (int k = 0; k < m; k++) {
                    biasGrad[k] += g[k];
                }
            }
            gradB1.data().put(0, biasGrad, 0, m);
            return loss / ((double) n * dataDim());
        }

        @Override
        public List<Matrix> gradients() {
            return List.of(gradW1, gradB1, gradW2);
        }
    }

    /** sum_p r_p^2 in double, from float partial sums (eight chains, so the loop is not latency bound). */
    static double sumOfSquares(float[] r, int len) {
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
