package dev.sparsestream.core.model;

import dev.sparsestream.core.device.Device;
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

    /** nn.Linear initialisation for both layers (uniform +-1/sqrt(fan_in)); b1 starts at 0 (docs/method.md). */
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
        private final Device device;
        private Matrix hiddenStep;    // (n, m) for curvatureAlong, allocated by its first call
        private Matrix reconStep;     // (n, d)

        private Workspace(int n) {
            this.n = n;
            device = w1.device();
            hidden = device.zeros(n, hiddenDim());
            recon = device.zeros(n, dataDim());
            dHidden = device.zeros(n, hiddenDim());
            target = device.zeros(n, dataDim());
            gradW1 = device.zeros(hiddenDim(), codeDim());
            gradB1 = device.zeros(1, hiddenDim());
            gradW2 = device.zeros(dataDim(), hiddenDim());
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
            device.biasRelu(hidden, b1, rows);
            Matrix.gemmRows(hidden, w2, true, recon, 1f, 0f, rows);
            return recon;
        }

        /** dHidden = (dRecon W2) * 1[hidden > 0]                                  (rows, m) */
        private void backToHidden(int rows) {
            Matrix.gemmRows(recon, w2, false, dHidden, 1f, 0f, rows);
            device.reluMask(dHidden, hidden, rows);
        }

        @Override
        public void reconstructionGradient(Matrix x, Matrix grad, int rows) {
            // Four large products: forward two, backward two (no parameter gradients needed here).
            decode(x, rows);
            device.difference(recon, recon, target, 2f / dataDim(), rows, false); // recon := dL/drecon
            backToHidden(rows);
            Matrix.gemmRows(dHidden, w1, false, grad, 1f, 0f, rows); // (rows, l) = dHidden W1
        }

        @Override
        public void curvatureAlong(Matrix delta, int rows, double[] out) {
            if (hiddenStep == null) {
                hiddenStep = device.zeros(n, hiddenDim());
                reconStep = device.zeros(n, dataDim());
            }
            // J delta = ((delta W1^T) * 1[hidden > 0]) W2^T with the ReLUs' pattern at x (hidden is still x's).
            // Left out: a pattern that changes along the step; at a unit sitting on its kink (pre-activation
            // exactly 0, as at z = 0 with b1 = 0) that change grows with the step like the bound, and no eta
            // would satisfy a test that counted it.
            Matrix.gemmRows(delta, w1, true, hiddenStep, 1f, 0f, rows);            // (rows, m)
            device.reluMask(hiddenStep, hidden, rows);
            Matrix.gemmRows(hiddenStep, w2, true, reconStep, 1f, 0f, rows);       // (rows, d)
            device.rowDots(reconStep, reconStep, 1.0 / dataDim(), rows, out, false);
        }

        @Override
        public double backwardMse(Matrix z, Matrix y) {
            double loss = device.difference(recon, recon, y, 2f / ((float) n * dataDim()), n, true);
            Matrix.gemm(recon, true, hidden, false, gradW2, 1f, 0f);    // (d, m) = dR^T hidden
            backToHidden(n);
            Matrix.gemm(dHidden, true, z, false, gradW1, 1f, 0f);       // (m, l) = dH^T z
            device.columnSums(dHidden, gradB1);                         // (1, m) = sum_i dH_i
            return loss / ((double) n * dataDim());
        }

        @Override
        public List<Matrix> gradients() {
            return List.of(gradW1, gradB1, gradW2);
        }
    }
}
