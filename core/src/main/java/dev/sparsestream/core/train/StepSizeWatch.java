package dev.sparsestream.core.train;

/**
 * Notices FISTA outgrowing its step size during training: an unbounded decoder's gain can grow until the
 * fixed step eta exceeds 1/L, and FISTA then overshoots and needs more and more steps (measured: VDL-NL at
 * lambda 0.02 went from 2 steps a batch to 50 within 14 epochs; docs/full-length.md). Said once, when an
 * epoch's mean steps are at least {@link #FACTOR} times the lowest epoch's so far and at least {@link #FLOOR}.
 */
public final class StepSizeWatch {
    public static final double FACTOR = 4;
    public static final double FLOOR = 10;

    private double lowest = Double.POSITIVE_INFINITY;
    private int lowestEpoch;
    private boolean said;

    /** The warning to give after this epoch, or null. */
    public String observe(int epoch, double meanFistaSteps, double eta) {
        if (!(meanFistaSteps >= 0)) {
            return null;
        }
        if (meanFistaSteps < lowest) {
            lowest = meanFistaSteps;
            lowestEpoch = epoch;
            return null;
        }
        if (said || meanFistaSteps < FLOOR || meanFistaSteps < FACTOR * lowest) {
            return null;
        }
        said = true;
        return String.format("warning: FISTA took %.1f steps a batch in epoch %d, against %.1f in epoch %d: the step"
                + " size eta %s may now be too large for the decoder (FISTA needs eta <= 1/L, and an unbounded decoder's"
                + " L grows; docs/full-length.md); the best epoch so far is kept, and --init-from with a smaller --eta"
                + " takes fewer steps",
                meanFistaSteps, epoch, lowest, lowestEpoch, eta);
    }
}
