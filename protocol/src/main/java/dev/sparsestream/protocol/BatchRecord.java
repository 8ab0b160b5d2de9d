package dev.sparsestream.protocol;

import dev.sparsestream.core.train.BatchMetrics;

/**
 * One applied training batch in the run's metric history.
 *
 * @param staleness how many weight versions behind the learner's the codes' weights were when applied
 */
public record BatchRecord(long seq, int epoch, int index, double lambda, long weightsVersion, int staleness,
                          BatchMetrics metrics) {
}
