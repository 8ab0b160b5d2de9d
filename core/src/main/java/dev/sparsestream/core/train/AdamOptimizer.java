package dev.sparsestream.core.train;

import dev.sparsestream.core.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * PyTorch's Adam (beta1 0.9, beta2 0.999, eps 1e-8, L2 weight decay added to the gradient) over a list
 * of parameters, built on ND4J's Adam updater.
 *
 * <p>ND4J's updater computes lr sqrt(1 - beta2^t)/(1 - beta1^t) m / (sqrt(v) + eps), which puts eps
 * inside the bias correction; PyTorch computes lr/(1 - beta1^t) m / (sqrt(v)/sqrt(1 - beta2^t) + eps).
 * The two agree exactly when ND4J is given eps sqrt(1 - beta2^t) at step t, which is what we do.
 */
public final class AdamOptimizer {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final List<Matrix> params;
    private final double[] weightDecay;
    private final List<GradientUpdater<Adam>> updaters = new ArrayList<>();
    private final List<INDArray> states = new ArrayList<>();
    private double learningRate;
    private long step;

    /**
     * @param params      the parameters, updated in place by {@link #step}
     * @param weightDecay L2 weight decay per parameter (added to its gradient)
     */
    @SuppressWarnings("unchecked")
    public AdamOptimizer(List<Matrix> params, double[] weightDecay, double learningRate) {
        if (weightDecay.length != params.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + weightDecay.length + " weight decays");
        }
        this.params = List.copyOf(params);
        this.weightDecay = weightDecay.clone();
        this.learningRate = learningRate;
        for (Matrix p : params) {
            INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 2L * p.size());
            states.add(state);
            updaters.add((GradientUpdater<Adam>) new Adam(learningRate, BETA1, BETA2, EPS).instantiate(state, true));
        }
    }

    public double learningRate() {
        return learningRate;
    }

    public void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + lr);
        }
        this.learningRate = lr;
    }

    /** Number of steps taken so far (PyTorch's per-parameter 'step'). */
    public long steps() {
        return step;
    }

    /**
     * One update: p -= adam(g + wd p). The gradients are consumed (overwritten with the update).
     *
     * @param grads gradients in the order of the parameters, same shapes
     */
    public void step(List<Matrix> grads) {
        if (grads.size() != params.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + grads.size() + " gradients");
        }
        step++;
        double eps = EPS * Math.sqrt(1 - Math.pow(BETA2, step));
        for (int i = 0; i < params.size(); i++) {
            Matrix p = params.get(i);
            Matrix g = grads.get(i);
            if (!g.sameShape(p)) {
                throw new IllegalArgumentException("gradient " + i + " is " + g + ", parameter is " + p);
            }
            INDArray ga = g.array();
            if (weightDecay[i] != 0) {
                ga.addi(p.array().mul(weightDecay[i]));
            }
            GradientUpdater<Adam> u = updaters.get(i);
            u.getConfig().setLearningRate(learningRate);
            u.getConfig().setEpsilon(eps);
            u.applyUpdater(ga, (int) (step - 1), 0);
            p.array().subi(ga);
        }
    }

    /** The Adam moments of parameter i as a (2, size) copy: row 0 is m, row 1 is v. */
    public INDArray moments(int i) {
        return states.get(i).reshape(2, params.get(i).size()).dup();
    }

    /**
     * Everything needed to continue exactly: step count, learning rate, and per parameter its moments
     * as one array [m..., v...] (copies).
     */
    public record State(long step, double learningRate, float[][] moments) {
    }

    public State exportState() {
        float[][] moments = new float[states.size()][];
        for (int i = 0; i < moments.length; i++) {
            moments[i] = states.get(i).data().asFloat();
        }
        return new State(step, learningRate, moments);
    }

    /** Restores a state exported from an optimizer over parameters of the same sizes. */
    public void importState(State s) {
        if (s.moments().length != states.size()) {
            throw new IllegalArgumentException("optimizer state for " + s.moments().length + " parameters, this one has "
                    + states.size());
        }
        for (int i = 0; i < states.size(); i++) {
            if (s.moments()[i].length != states.get(i).length()) {
                throw new IllegalArgumentException("optimizer state " + i + " has " + s.moments()[i].length
                        + " values, expected " + states.get(i).length());
            }
        }
        if (s.step() < 0) {
            throw new IllegalArgumentException("optimizer step must be >= 0, got " + s.step());
        }
        setLearningRate(s.learningRate());
        for (int i = 0; i < states.size(); i++) {
            // In place: the ND4J updaters hold views of these arrays.
            states.get(i).data().asNioFloat().put(0, s.moments()[i]);
        }
        step = s.step();
    }
}
