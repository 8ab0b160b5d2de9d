package dev.sparsestream.core.train;

import dev.sparsestream.core.inference.Energy;

/**
 * Means over the batches of an epoch or an evaluation: energy (per batch, with its terms), PSNR (dB,
 * per sample), sparsity (fraction of zero code entries, in [0, 1]), FISTA steps per sample (0 when the
 * codes come from the encoder), and the per-batch code-std figures (min, mean, dead components).
 */
public record Summary(Energy energyTerms, double psnr, double sparsity, double fistaSteps, double minCodeStd,
                      double meanCodeStd, double deadComponents) {

    public double energy() {
        return energyTerms.total();
    }

    /** Running mean of batch metrics. */
    public static final class Accumulator {
        private Energy energy = Energy.ZERO;
        private double psnr;
        private double sparsity;
        private double steps;
        private double minStd;
        private double meanStd;
        private double dead;
        private int count;

        public void add(BatchMetrics m) {
            energy = energy.plus(m.energy());
            psnr += m.psnr();
            sparsity += m.codes().sparsity();
            steps += m.fistaSteps();
            minStd += m.codes().minStd();
            meanStd += m.codes().meanStd();
            dead += m.codes().deadComponents();
            count++;
        }

        public int count() {
            return count;
        }

        public Summary summary() {
            double f = count == 0 ? 0 : 1.0 / count;
            return new Summary(energy.times(f), psnr * f, sparsity * f, steps * f, minStd * f, meanStd * f, dead * f);
        }
    }
}
