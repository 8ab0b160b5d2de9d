package dev.sparsestream.core.train;

/**
 * The early-stopping rule (docs/method.md, "Early stopping"), for the sequential trainer and the streaming
 * monitor alike: the epoch with the lowest validation energy is the best (an equal or NaN energy never
 * improves); with a patience of N > 0 the run stops once N epochs have passed without a new best.
 */
public final class EarlyStopping {
    private final int patience;
    private int bestEpoch;
    private double bestEnergy;

    /** @param patience epochs without improvement before stopping; 0: never stop early */
    public EarlyStopping(int patience) {
        this(patience, 0, Double.POSITIVE_INFINITY);
    }

    /** As it was after {@code bestEpoch}'s validation energy {@code bestEnergy} (0, +inf: nothing yet). */
    public EarlyStopping(int patience, int bestEpoch, double bestEnergy) {
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        this.patience = patience;
        this.bestEpoch = bestEpoch;
        this.bestEnergy = bestEnergy;
    }

    /** Records an epoch's validation energy; whether it is the new best. */
    public boolean record(int epoch, double validationEnergy) {
        if (validationEnergy < bestEnergy) {
            bestEnergy = validationEnergy;
            bestEpoch = epoch;
            return true;
        }
        return false;
    }

    /** Whether, after {@code epoch}, the patience has run out. */
    public boolean shouldStop(int epoch) {
        return patience > 0 && epoch - bestEpoch >= patience;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    public double bestEnergy() {
        return bestEnergy;
    }
}
