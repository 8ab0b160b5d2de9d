package dev.sparsestream.core.inference;

import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.tensor.Matrix;

/**
 * Non-negative FISTA on the paper's modified energy (docs/method.md):
 * <pre>
 *   f(Z) = sum_i mean_p (y_i - D(z_i))^2 + beta sum_j [(T - s_j)_+]^2 + gamma sum_i mean_k (z_ik - zE_ik)^2
 *   Z_k     = max(0, x_k - eta grad f(x_k) - lambda eta)
 *   t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2
 *   x_{k+1} = Z_k + ((t_k - 1) / t_{k+1}) (Z_k - Z_{k-1})
 * </pre>
 * A state object for batches of n codes of size l, made by a {@link dev.sparsestream.core.device.Device}
 * ({@code device.fista(n, l)}); it owns every buffer, so a solve allocates nothing.
 *
 * <p>Per-sample stopping: sample i has converged at step k when ||z_i^k - z_i^{k-1}|| < tol ||z_i^{k-1}||
 * (a code that stays all zero counts as converged, unlike the reference's 0/0). A converged sample is frozen:
 * its code no longer changes and it takes no momentum (a simplification the reference conventions allow; the
 * paper's code keeps stepping it with zero gradient). Frozen samples still enter the variance hinge's batch
 * statistics at every step, and a step's products run on the samples still active only.
 *
 * <p>With {@link FistaParams#backtracking()} eta is each sample's first step size, halved within the solve
 * until the reconstruction and encoder terms lie under their quadratic bound at the step (Beck and Teboulle's
 * backtracking, per sample; docs/method.md, "Backtracking"); a sample whose eta passes takes the fixed step.
 */
public interface Fista {

    /**
     * Minimises the energy for the targets the decoder workspace is bound to.
     *
     * @param decoder a decoder workspace for n samples, already {@link Decoder.Workspace#bind bound};
     *                its bound targets are permuted during the solve and restored at the end
     * @param z0      the starting codes (n, l), not changed (the encoder's codes, or zeros)
     * @param zE      the encoder's codes (n, l) for the gamma term, not changed; null when gamma = 0
     * @return the codes (n, l): this object's buffer, valid until the next solve
     */
    Matrix solve(Decoder.Workspace decoder, Matrix z0, Matrix zE, FistaParams p);

    /** FISTA steps taken by the last solve (the loop's length). */
    int iterations();

    /** Mean over samples of the number of steps at which the sample had not converged (last solve). */
    double meanSteps();

    /** Mean over samples of the step size each ended the last solve with (eta itself without backtracking). */
    double meanStepSize();

    int batchSize();

    int codeDim();
}
