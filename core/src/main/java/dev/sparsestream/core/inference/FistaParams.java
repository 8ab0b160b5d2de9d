package dev.sparsestream.core.inference;

import dev.sparsestream.core.model.ModelConfig;

/**
 * The inference energy's weights and FISTA's settings (docs/method.md, "Inference energy" and "FISTA").
 *
 * @param lambda    weight of sum_i ||z_i||_1, applied through the shrinkage threshold lambda * eta
 * @param beta      weight of the variance hinge sum_j [(T - s_j)_+]^2
 * @param hingeT    the hinge's target standard deviation T
 * @param gamma     weight of sum_i mean_k (z_ik - zE_ik)^2, the distance to the encoder's codes
 * @param eta       constant step size
 * @param maxSteps  S_max, the most steps
 * @param tolerance per-sample relative change below which a sample has converged
 * @param backtracking eta is each sample's first step size, halved within a solve wherever the step overshoots
 *                  (docs/method.md, "Backtracking"); false: eta is every step's size, as in the paper
 */
public record FistaParams(double lambda, double beta, double hingeT, double gamma, double eta, int maxSteps,
                          double tolerance, boolean backtracking) {

    /** The paper's FISTA: a constant step eta. */
    public FistaParams(double lambda, double beta, double hingeT, double gamma, double eta, int maxSteps, double tolerance) {
        this(lambda, beta, hingeT, gamma, eta, maxSteps, tolerance, false);
    }

    public FistaParams {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
        }
        if (!(beta >= 0) || !(hingeT >= 0) || !(gamma >= 0) || !(eta > 0) || maxSteps < 1 || !(tolerance > 0)) {
            throw new IllegalArgumentException("invalid FISTA parameters: " + lambda + ", " + beta + ", " + hingeT + ", "
                    + gamma + ", " + eta + ", " + maxSteps + ", " + tolerance);
        }
    }

    /** The same settings with another lambda (a lambda change while a run goes on). */
    public FistaParams withLambda(double newLambda) {
        return new FistaParams(newLambda, beta, hingeT, gamma, eta, maxSteps, tolerance, backtracking);
    }

    public static FistaParams of(ModelConfig c) {
        return new FistaParams(c.lambda(), c.beta(), c.hingeT(), c.gamma(), c.eta(), c.maxSteps(), c.tolerance(),
                c.backtracking());
    }
}
