package dev.sparsestream.core.device;

import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.tensor.Matrix;

/**
 * Where the numerics run: every matrix product, FISTA's state, the encoder's and the decoders' fused elementwise
 * steps and the optimiser go through these methods, on matrices that live on this device
 * ({@link Matrix#device()}). What still reads host memory: a batch's metrics (energy, PSNR, code statistics),
 * the copies into and out of messages and snapshots, and {@link Matrix}'s own copy, fill and row swap.
 * The CPU device ({@link CpuDevice}: OpenBLAS products, fused Java loops) is the only one in this build; a GPU device implements the same methods on its own memory, and the code above
 * (models, training steps, actors, command line) reaches it through {@link Devices#open} alone.
 *
 * <p>Shapes in comments are (rows, cols); matrices are row-major float32. {@code rows} arguments limit an
 * operation to the first rows of its batch operands (FISTA keeps its not yet converged samples there).
 */
public interface Device {

    /** The name {@link Devices#open} takes ("cpu"). */
    String name();

    /** A human-readable account of the device and its libraries (printed by {@code bench}). */
    String describe();

    /** A zeroed (rows, cols) matrix in this device's memory. */
    Matrix zeros(int rows, int cols);

    /** A (rows, cols) matrix in this device's memory holding a copy of values (row-major). */
    default Matrix of(int rows, int cols, float[] values) {
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values, got " + values.length);
        }
        Matrix m = zeros(rows, cols);
        m.data().put(0, values);
        return m;
    }

    /**
     * C[0:rows] = alpha op(A)[0:rows] op(B) + beta C[0:rows], op(X) = X or X^T; rows below C's count need
     * transA false. Shapes are checked by {@link Matrix#gemm}; no allocation.
     */
    void gemm(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, float alpha, float beta, int rows);

    /** Threads one product may use (the CPU's BLAS threads; 1 where that means nothing). */
    int threads();

    /**
     * Sets the threads one product may use, device-wide: several callers computing at once (parallel inference
     * workers) each want a share of the cores, not all of them.
     */
    void setThreads(int threads);

    // ---- fused elementwise steps ----

    /** x[0:rows] = relu(x[0:rows] + b), b (1, cols) broadcast over rows. */
    void biasRelu(Matrix x, Matrix b, int rows);

    /** g[0:rows] *= 1[h > 0] (the ReLU's derivative at its output h). */
    void reluMask(Matrix g, Matrix h, int rows);

    /** x[0:rows] += b, b (1, cols) broadcast over rows, then out[0:rows] = relu(x[0:rows]) (x keeps the sum). */
    void addBiasRelu(Matrix x, Matrix b, Matrix out, int rows);

    /** x[0:rows] = relu(x[0:rows] + a[0:rows]), a of x's shape. */
    void addRelu(Matrix x, Matrix a, int rows);

    /**
     * out[0:rows] = scale (a - b)[0:rows], each difference formed in float; returns sum (a - b)^2 over those rows,
     * in double, when {@code sum}, else 0. out may be a (a residual formed in place).
     */
    double difference(Matrix out, Matrix a, Matrix b, float scale, int rows, boolean sum);

    /**
     * The ReLU's backward pass at its output h: dIn[0:rows] = dOut * 1[h > 0], also added to sum (or stored in
     * it when not {@code accumulate}): LISTA's shared pre-activation receives every iteration's gradient.
     */
    void reluBackward(Matrix dOut, Matrix h, Matrix dIn, Matrix sum, boolean accumulate, int rows);

    /** out[i] = scale sum_j a_ij b_ij for i < rows, summed in double (added to out[i] when {@code accumulate}). */
    void rowDots(Matrix a, Matrix b, double scale, int rows, double[] out, boolean accumulate);

    /** out (1, cols) = the column sums of x (rows, cols) (a bias's gradient). */
    void columnSums(Matrix x, Matrix out);

    /** Rescales every column of w to unit L2 norm (a zero column stays zero). */
    void normaliseColumns(Matrix w);

    /**
     * One Adam step on one parameter, PyTorch's semantics (L2 weight decay added to the gradient):
     * g' = g + wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
     * p -= stepSize * m / (sqrt(v) / sqrt(1 - b2^t) + eps). The gradient is not changed.
     */
    void adamStep(Matrix p, Matrix g, Matrix m, Matrix v, AdamStep s);

    /**
     * The constants of Adam's step t, formed in double as PyTorch does and rounded once: stepSize =
     * lr / (1 - beta1^t), biasCorrection2Sqrt = sqrt(1 - beta2^t), and 1 - beta from the double beta.
     */
    record AdamStep(float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps,
                    float weightDecay, float biasCorrection2Sqrt) {
    }

    /** A FISTA state object for batches of n codes of size l on this device (it owns its buffers). */
    Fista fista(int n, int l);
}
