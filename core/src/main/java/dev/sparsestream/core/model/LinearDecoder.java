package dev.sparsestream.core.model;

import dev.sparsestream.core.tensor.Matrix;
import java.util.List;
import java.util.Random;

/** Linear decoder y~ = W z, W is d x l, no bias. */
public final class LinearDecoder implements Decoder {
    private final Matrix w; // (d, l)

    public LinearDecoder(Matrix w) {
        this.w = w;
    }

    public static LinearDecoder initialise(int codeDim, int dataDim, Random rng) {
        return new LinearDecoder(Matrix.uniform(dataDim, codeDim, 1 / Math.sqrt(codeDim), rng));
    }

    public Matrix w() {
        return w;
    }

    @Override
    public int codeDim() {
        return w.cols();
    }

    @Override
    public int dataDim() {
        return w.rows();
    }

    @Override
    public List<Matrix> parameters() {
        return List.of(w);
    }

    @Override
    public List<String> parameterNames() {
        return List.of("W");
    }

    @Override
    public List<Boolean> isWeight() {
        return List.of(true);
    }

    @Override
    public LinearDecoder copy() {
        return new LinearDecoder(w.copy());
    }

    @Override
    public void copyFrom(Decoder other) {
        w.copyFrom(((LinearDecoder) other).w);
    }

    @Override
    public Workspace workspace(int n) {
        return new Workspace(n);
    }

    public final class Workspace implements Decoder.Workspace {
        private final int n;
        private final Matrix gram;   // (l, l)  W^T W
        private final Matrix yw;     // (n, l)  Y W
        private final Matrix recon;  // (n, d)
        private final Matrix gradW;  // (d, l)
        private Matrix deltaGram;    // (n, l)  delta W^T W, for backtracking

        private Workspace(int n) {
            this.n = n;
            gram = w.device().zeros(codeDim(), codeDim());
            yw = w.device().zeros(n, codeDim());
            recon = w.device().zeros(n, dataDim());
            gradW = w.device().zeros(dataDim(), codeDim());
        }

        @Override
        public int batchSize() {
            return n;
        }

        @Override
        public void bind(Matrix y) {
            Matrix.requireShape(y, n, dataDim(), "decoder target");
            // W^T (W x - y) = (W^T W) x - W^T y: per step only an l x l product.
            Matrix.gemm(w, true, w, false, gram, 1f, 0f);
            Matrix.gemm(y, false, w, false, yw, 1f, 0f);
        }

        @Override
        public void reconstructionGradient(Matrix x, Matrix grad, int rows) {
            // grad = (2/d) (x G - Y W)        (rows, l); G is symmetric
            float scale = 2f / dataDim();
            grad.data().put(0, yw.data(), 0, rows * codeDim());
            Matrix.gemmRows(x, gram, false, grad, scale, -scale, rows);
        }

        @Override
        public void swapRows(int i, int j) {
            yw.swapRows(i, j);
        }

        @Override
        public void curvatureAlong(Matrix delta, int rows, double[] out) {
            if (deltaGram == null) {
                deltaGram = w.device().zeros(n, codeDim());
            }
            // f is quadratic: f(x + delta) - f(x) - grad f(x) delta = (1/d) ||W delta||^2 = (1/d) delta G delta^T
            Matrix.gemmRows(delta, gram, false, deltaGram, 1f, 0f, rows);
            w.device().rowDots(deltaGram, delta, 1.0 / dataDim(), rows, out, false);
        }

        @Override
        public Matrix decode(Matrix z) {
            Matrix.gemm(z, false, w, true, recon, 1f, 0f); // (n, d) = z W^T
            return recon;
        }

        @Override
        public double backwardMse(Matrix z, Matrix y) {
            // loss = mean_i mean_p r^2, r = D(z) - y;  dL/dW = (2/(n d)) r^T z   (d, l)
            // Reuses recon as r to avoid another (n, d) buffer; decode() must be called again after.
            double loss = w.device().difference(recon, recon, y, 1f, n, true);
            Matrix.gemm(recon, true, z, false, gradW, 2f / ((float) n * dataDim()), 0f);
            return loss / ((double) n * dataDim());
        }

        @Override
        public List<Matrix> gradients() {
            return List.of(gradW);
        }
    }
}
