package dev.sparsestream.protocol;

import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.EpochReport;
import java.util.List;

/**
 * The monitor's part of a snapshot: the metric history, the epochs' reports, and the early-stopping
 * state with the best model so far.
 *
 * @param batches     every applied batch, in order
 * @param epochs      the reports of the validated epochs
 * @param bestEpoch   1-based; 0 before the first validation
 * @param bestEnergy  the best validation energy (+infinity before the first validation)
 * @param bestWeights the weights of the best epoch (the initial weights before the first validation)
 */
public record MonitorState(List<BatchRecord> batches, List<EpochReport> epochs, int bestEpoch, double bestEnergy,
                           Weights bestWeights) {
    public MonitorState {
        batches = List.copyOf(batches);
        epochs = List.copyOf(epochs);
    }
}
