package dev.sparsestream.core.model;

import dev.sparsestream.core.device.Device;
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

    /** The device the weights live on; workspaces compute there. */
    default Device device() {
        return parameters().get(0).device();
    }

    /** Rescales every column of every weight matrix to unit L2 norm (SDL / DO families). */
    default void normaliseColumns() {
        List<Matrix> ps = parameters();
        List<Boolean> w = isWeight();
        for (int p = 0; p < ps.size(); p++) {
            if (w.get(p)) {
                device().normaliseColumns(ps.get(p));
            }
        }
    }

    Workspace workspace(int n);

    /**
     * The dictionary's atoms, one per code component: row i is D(e_i) - D(0), where e_i is the i-th unit
     * code. For a linear decoder that is column i of W; for a non-linear one it is what the paper shows
     * (its footnote 4: removing D(0) removes the effect of the hidden bias).
     *
     * @return (l, d)
     */
    default Matrix atoms() {
        int l = codeDim();
        int d = dataDim();
        Matrix codes = device().zeros(l + 1, l); // rows 0..l-1: e_i; row l: 0
        for (int i = 0; i < l; i++) {
            codes.set(i, i, 1f);
        }
        Matrix decoded = workspace(l + 1).decode(codes); // (l + 1, d)
        Matrix atoms = Matrix.zeros(l, d); // on the host: for pictures
        var src = decoded.data();
        var dst = atoms.data();
        for (int i = 0; i < l; i++) {
            for (int p = 0; p < d; p++) {
                dst.put(i * d + p, src.get(i * d + p) - src.get(l * d + p));
            }
        }
        return atoms;
    }

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

        /**
         * c_i = (1/d) ||J_D(x_i) delta_i||^2, the reconstruction term's curvature along a step delta (rows, l) at
         * the x of the last {@link #reconstructionGradient} call, on its first {@code rows} rows: for a linear
         * decoder exactly f_i(x_i + delta_i) - f_i(x_i) - grad f_i(x_i) . delta_i (f_i = mean_pixels
         * (y_i - D(z_i))^2), for the non-linear one the same on the linear piece of its ReLUs at x_i. FISTA's step
         * eta is short enough for sample i when c_i <= ||delta_i||^2 / (2 eta) (docs/method.md, "Backtracking").
         * Formed from delta itself, never as a difference of two energies, which would lose a small step's
         * curvature to rounding. Its buffers are allocated by the first call.
         */
        void curvatureAlong(Matrix delta, int rows, double[] out);

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
