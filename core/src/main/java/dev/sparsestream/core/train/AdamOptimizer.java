package dev.sparsestream.core.train;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.tensor.Matrix;
import java.util.List;

/**
 * PyTorch's Adam (beta1 0.9, beta2 0.999, eps 1e-8, L2 weight decay added to the gradient) over a list of
 * parameters: per parameter one fused pass on its device ({@link Device#adamStep}) that decays, updates both
 * moments and the parameter, with PyTorch's step size lr / (1 - beta1^t) and denominator
 * sqrt(v) / sqrt(1 - beta2^t) + eps.
 */
public final class AdamOptimizer {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final List<Matrix> params;
    private final double[] weightDecay;
    private final Matrix[] m; // first moments, one per parameter, on its device
    private final Matrix[] v; // second moments
    private double learningRate;
    private long step;

    /**
     * @param params      the parameters, updated in place by {@link #step}
     * @param weightDecay L2 weight decay per parameter (added to its gradient)
     */
    public AdamOptimizer(List<Matrix> params, double[] weightDecay, double learningRate) {
        if (weightDecay.length != params.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + weightDecay.length + " weight decays");
        }
        this.params = List.copyOf(params);
        this.weightDecay = weightDecay.clone();
        setLearningRate(learningRate);
        m = new Matrix[params.size()];
        v = new Matrix[params.size()];
        for (int i = 0; i < m.length; i++) {
            Matrix p = params.get(i);
            m[i] = p.device().zeros(p.rows(), p.cols());
            v[i] = p.device().zeros(p.rows(), p.cols());
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
     * One update: p -= adam(g + wd p). The gradients are not changed.
     *
     * @param grads gradients in the order of the parameters, same shapes
     */
    public void step(List<Matrix> grads) {
        if (grads.size() != params.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + grads.size() + " gradients");
        }
        for (int i = 0; i < params.size(); i++) {
            if (!grads.get(i).sameShape(params.get(i))) {
                throw new IllegalArgumentException("gradient " + i + " is " + grads.get(i) + ", parameter is " + params.get(i));
            }
        }
        step++;
        // PyTorch computes the bias corrections in double and hands the step size and sqrt to float kernels.
        double bc1 = 1 - Math.pow(BETA1, step);
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(BETA2, step));
        for (int i = 0; i < params.size(); i++) {
            Matrix p = params.get(i);
            var s = new Device.AdamStep((float) (learningRate / bc1), (float) BETA1, (float) (1 - BETA1), (float) BETA2,
                    (float) (1 - BETA2), (float) EPS, (float) weightDecay[i], bc2Sqrt);
            p.device().adamStep(p, grads.get(i), m[i], v[i], s);
        }
    }

    /** The Adam moments of parameter i as copies: row 0 is m, row 1 is v, each flattened. */
    public float[][] moments(int i) {
        return new float[][] {m[i].toArray(), v[i].toArray()};
    }

    /**
     * Everything needed to continue exactly: step count, learning rate, and per parameter its moments
     * as one array [m..., v...] (copies).
     */
    public record State(long step, double learningRate, float[][] moments) {
    }

    public State exportState() {
        float[][] moments = new float[params.size()][];
        for (int i = 0; i < moments.length; i++) {
            int size = params.get(i).size();
            float[] both = new float[2 * size];
            m[i].data().get(0, both, 0, size);
            v[i].data().get(0, both, size, size);
            moments[i] = both;
        }
        return new State(step, learningRate, moments);
    }

    /** Restores a state exported from an optimizer over parameters of the same sizes. */
    public void importState(State s) {
        if (s.moments().length != params.size()) {
            throw new IllegalArgumentException("optimizer state for " + s.moments().length + " parameters, this one has "
                    + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            if (s.moments()[i].length != 2 * params.get(i).size()) {
                throw new IllegalArgumentException("optimizer state " + i + " has " + s.moments()[i].length
                        + " values, expected " + 2 * params.get(i).size());
            }
        }
        if (s.step() < 0) {
            throw new IllegalArgumentException("optimizer step must be >= 0, got " + s.step());
        }
        setLearningRate(s.learningRate());
        for (int i = 0; i < params.size(); i++) {
            int size = params.get(i).size();
            m[i].data().put(0, s.moments()[i], 0, size);
            v[i].data().put(0, s.moments()[i], size, size);
        }
        step = s.step();
    }
}
