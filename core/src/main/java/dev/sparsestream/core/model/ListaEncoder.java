package dev.sparsestream.core.model;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.tensor.Matrix;
import java.util.List;
import java.util.Random;

/**
 * LISTA encoder (Gregor and LeCun 2010) with L iterations, as in the reference code:
 * u = U y + b; z_0 = relu(u); z_t = relu(u + S z_{t-1}) for t = 1..L.
 * U is l x d, S is l x l (no bias), b is 1 x l. Rows of the batch matrices are samples.
 */
public final class ListaEncoder {
    private final Matrix u; // (l, d)
    private final Matrix s; // (l, l)
    private final Matrix b; // (1, l)
    private final int iterations;

    public ListaEncoder(Matrix u, Matrix s, Matrix b, int iterations) {
        int l = u.rows();
        Matrix.requireShape(s, l, l, "encoder S");
        Matrix.requireShape(b, 1, l, "encoder b");
        if (iterations < 0) {
            throw new IllegalArgumentException("LISTA iterations must be >= 0, got " + iterations);
        }
        this.u = u;
        this.s = s;
        this.b = b;
        this.iterations = iterations;
    }

    /** PyTorch's nn.Linear initialisation: uniform in +-1/sqrt(fan_in); b starts at 0 (docs/method.md). */
    public static ListaEncoder initialise(int dataDim, int codeDim, int iterations, Random rng) {
        Matrix u = Matrix.uniform(codeDim, dataDim, 1 / Math.sqrt(dataDim), rng);
        Matrix s = Matrix.uniform(codeDim, codeDim, 1 / Math.sqrt(codeDim), rng);
        return new ListaEncoder(u, s, Matrix.zeros(1, codeDim), iterations);
    }

    public Matrix u() {
        return u;
    }

    public Matrix s() {
        return s;
    }

    public Matrix b() {
        return b;
    }

    public int iterations() {
        return iterations;
    }

    public int codeDim() {
        return u.rows();
    }

    public int dataDim() {
        return u.cols();
    }

    /** Parameters in a fixed order: U, S, b. */
    public List<Matrix> parameters() {
        return List.of(u, s, b);
    }

    public ListaEncoder copy() {
        return new ListaEncoder(u.copy(), s.copy(), b.copy(), iterations);
    }

    public void copyFrom(ListaEncoder other) {
        u.copyFrom(other.u);
        s.copyFrom(other.s);
        b.copyFrom(other.b);
    }

    public Workspace workspace(int n) {
        return new Workspace(n);
    }

    /** Buffers for a batch of n: the forward activations (kept for the backward pass) and the gradients. */
    public final class Workspace {
        private final int n;
        private final Matrix ub;       // (n, l) U y + b
        private final Matrix[] z;      // L + 1 of (n, l): z_0 .. z_L
        private final Matrix dz;       // (n, l)
        private final Matrix da;       // (n, l)
        private final Matrix dub;      // (n, l)
        private final Matrix gradU;    // (l, d)
        private final Matrix gradS;    // (l, l)
        private final Matrix gradB;    // (1, l)
        private final Device device;

        private Workspace(int n) {
            int l = codeDim();
            this.n = n;
            device = u.device();
            ub = u.device().zeros(n, l);
            z = new Matrix[iterations + 1];
            for (int t = 0; t <= iterations; t++) {
                z[t] = u.device().zeros(n, l);
            }
            dz = u.device().zeros(n, l);
            da = u.device().zeros(n, l);
            dub = u.device().zeros(n, l);
            gradU = u.device().zeros(l, dataDim());
            gradS = u.device().zeros(l, l);
            gradB = u.device().zeros(1, l);
        }

        public int batchSize() {
            return n;
        }

        /** Runs the encoder on y (n, d); returns the codes z_L (n, l), valid until the next forward. */
        public Matrix forward(Matrix y) {
            Matrix.requireShape(y, n, dataDim(), "encoder input");
            int l = codeDim();
            // ub = y U^T + b;  z_0 = relu(ub)                       (n, l)
            Matrix.gemm(y, false, u, true, ub, 1f, 0f);
            device.addBiasRelu(ub, b, z[0], n);
            for (int t = 1; t <= iterations; t++) {
                // z_t = relu(ub + z_{t-1} S^T)
                Matrix.gemm(z[t - 1], false, s, true, z[t], 1f, 0f);
                device.addRelu(z[t], ub, n);
            }
            return z[iterations];
        }

        public Matrix output() {
            return z[iterations];
        }

        /**
         * The last forward pass's activations z_0 .. z_L, row-major, L + 1 blocks of (n, l): all its backward
         * pass reads besides y. A new array, for another workspace's {@link #restorePass}.
         */
        public float[] exportPass() {
            int block = n * codeDim();
            float[] pass = new float[(iterations + 1) * block];
            for (int t = 0; t <= iterations; t++) {
                z[t].data().get(0, pass, t * block, block);
            }
            return pass;
        }

        /** Values in a pass: L + 1 activations of (n, l). */
        public int passSize() {
            return (iterations + 1) * n * codeDim();
        }

        /** As {@link #exportPass}, into {@code out} (at least {@link #passSize} values) instead of a new array. */
        public void exportPass(Matrix out) {
            int block = n * codeDim();
            requirePass(out.size());
            for (int t = 0; t <= iterations; t++) {
                out.data().put(t * block, z[t].data(), 0, block);
            }
        }

        /** As {@link #restorePass(float[])}, from a pass {@link #exportPass(Matrix)} wrote. */
        public void restorePass(Matrix pass) {
            int block = n * codeDim();
            requirePass(pass.size());
            for (int t = 0; t <= iterations; t++) {
                z[t].data().put(0, pass.data(), t * block, block);
            }
        }

        private void requirePass(int size) {
            if (size < passSize()) {
                throw new IllegalArgumentException("an encoder pass of " + size + " values; this encoder's ("
                        + (iterations + 1) + " activations of " + n + " x " + codeDim() + ") has " + passSize());
            }
        }

        /**
         * Takes a forward pass made elsewhere ({@link #exportPass}) on the same weights and input in place
         * of running it: the learner reuses the pass its worker ran for FISTA's warm start.
         */
        public void restorePass(float[] pass) {
            int block = n * codeDim();
            if (pass.length != (iterations + 1) * block) {
                throw new IllegalArgumentException("an encoder pass of " + pass.length + " values; this encoder's ("
                        + (iterations + 1) + " activations of " + n + " x " + codeDim() + ") has "
                        + (iterations + 1) * block);
            }
            for (int t = 0; t <= iterations; t++) {
                z[t].data().put(0, pass, t * block, block);
            }
        }

        /**
         * Gradients of the encoder loss mean_i mean_k (E(y_i) - target_ik)^2 for the last forward pass;
         * returns the loss. Gradients are in {@link #gradients()} (U, S, b order).
         */
        public double backwardMse(Matrix y, Matrix target) {
            int l = codeDim();
            Matrix.requireShape(target, n, l, "encoder target");
            // loss = mean (z_L - target)^2;  dL/dz_L = (2 / (n l)) (z_L - target)
            double loss = device.difference(dz, z[iterations], target, 2f / ((float) n * l), n, true);
            backward(y, dz);
            return loss / ((double) n * l);
        }

        /** Backpropagates dL/dz_L (n, l) through the last forward pass into the gradient buffers. */
        public void backward(Matrix y, Matrix dOut) {
            if (dOut != dz) {
                dz.copyFrom(dOut);
            }
            for (int t = iterations; t >= 0; t--) {
                // da = dz_t * 1[z_t > 0] (relu'; z_t > 0 exactly where its pre-activation is); dub += da
                device.reluBackward(dz, z[t], da, dub, t < iterations, n);
                if (t > 0) {
                    // a_t = ub + z_{t-1} S^T  =>  dS += da^T z_{t-1};  dz_{t-1} = da S
                    Matrix.gemm(da, true, z[t - 1], false, gradS, 1f, t < iterations ? 1f : 0f);
                    Matrix.gemm(da, false, s, false, dz, 1f, 0f);
                }
            }
            // ub = y U^T + b  =>  dU = dub^T y;  db = sum_i dub_i
            Matrix.gemm(dub, true, y, false, gradU, 1f, 0f);
            device.columnSums(dub, gradB);
        }

        public List<Matrix> gradients() {
            return List.of(gradU, gradS, gradB);
        }
    }
}
