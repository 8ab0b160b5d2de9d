package dev.sparsestream.core.train;

/**
 * One epoch: 1-based epoch number, wall-clock seconds (training and validation), the decoder's learning
 * rate, and the train (FISTA codes, means over batches) and validation (encoder codes) summaries.
 */
public record EpochReport(int epoch, double seconds, double lrDecoder, Summary train, Summary val) {
}
