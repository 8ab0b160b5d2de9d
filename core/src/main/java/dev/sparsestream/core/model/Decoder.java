package dev.sparsestream.core.model;

import dev.sparsestream.core.tensor.Matrix;
import java.util.List;

/**
 * A decoder D mapping codes (n, l) to reconstructions (n, d). Weights live in the decoder; batch
 * buffers live in a {@link Workspace}, so one decoder can serve several workspaces.
 */
public sealed interface Decoder permits LinearDecoder, MlpDecoder {

    int codeDim();

    int dataDim();

    /** Parameters in a fixed order (their names are {@link #parameterNames()}). */
    List<Matrix> parameters();

    List<String> parameterNames();

    /** Which parameters are weight matrices (decayed, column-normalised) rather than biases. */
    List<Boolean> isWeight();

    Decoder copy();

    /** Copies the weights of a decoder of the same architecture into this one. */
    void copyFrom(Decoder other);

    /** Rescales every column of every weight matrix to unit L2 norm (SDL / DO families). */
    default void normaliseColumns() {
        List<Matrix> ps = parameters();
        List<Boolean> w = isWeight();
        for (int p = 0; p < ps.size(); p++) {
            if (w.get(p)) {
                normaliseColumns(ps.get(p));
            }
        }
    }

    static void normaliseColumns(Matrix m) {
        var d = m.data();
        int rows = m.rows();
        int cols = m.cols();
        double[] sq = new double[cols];
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

    Workspace workspace(int n);

    /** Batch buffers for n samples. */
    interface Workspace {
        int batchSize();

        /**
         * Prepares FISTA for targets y (n, d) under the current weights (e.g. the Gram matrix and
         * Y W for a linear decoder). Must be called again after the weights change.
         */
        void bind(Matrix y);

        /**
         * grad = d/dx of sum_i mean_pixels (y_i - D(x_i))^2 for the bound y: (2/d) J_D(x)^T (D(x) - y).
         * Shapes: x (n, l), grad (n, l).
         */
        default void reconstructionGradient(Matrix x, Matrix grad) {
            reconstructionGradient(x, grad, batchSize());
        }

        /**
         * The same on the first {@code rows} rows of x and grad only (FISTA keeps its not yet
         * converged samples there); the bound targets must have been permuted alike with {@link #swapRows}.
         */
        void reconstructionGradient(Matrix x, Matrix grad, int rows);

        /** Swaps samples i and j of the bound targets (FISTA's compaction of converged samples). */
        void swapRows(int i, int j);

        /** D(z) into an internal (n, d) buffer, returned; valid until the next call on this workspace. */
        Matrix decode(Matrix z);

        /**
         * Gradients of the learning loss mean_i mean_pixels (y_i - D(z_i))^2 with respect to the
         * parameters, for the z of the last {@link #decode} call and targets y. Returns the loss.
         */
        double backwardMse(Matrix z, Matrix y);

        /** Gradient buffers, in the order of {@link Decoder#parameters()}. */
        List<Matrix> gradients();
    }
}
