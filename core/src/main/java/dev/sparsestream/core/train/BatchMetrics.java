package dev.sparsestream.core.train;

import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;

/**
 * What one training batch measured: the energy of the FISTA codes and its terms, the mean PSNR of
 * their reconstructions, code health, mean FISTA steps per sample (and the loop's length), the two
 * learning losses and the wall-clock seconds.
 */
public record BatchMetrics(Energy energy, double psnr, CodeStats codes, double fistaSteps, int fistaIterations,
                           double decoderLoss, double encoderLoss, double seconds) {
}
