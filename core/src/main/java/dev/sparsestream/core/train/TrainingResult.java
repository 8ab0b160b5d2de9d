package dev.sparsestream.core.train;

import dev.sparsestream.core.model.SparseAutoencoder;
import java.util.List;

/**
 * What a training run returns: the model of the best validation epoch, the per-epoch reports, which
 * epoch was best (1-based), whether early stopping cut the run short, and the best model's test
 * figures (null when no test set was given).
 */
public record TrainingResult(SparseAutoencoder best, List<EpochReport> epochs, int bestEpoch, boolean stoppedEarly,
                             Summary test) {
}
