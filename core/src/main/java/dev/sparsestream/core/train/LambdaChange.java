package dev.sparsestream.core.train;

/**
 * Lambda set to {@code lambda} from batch {@code fromBatch} on (the run's 0-based batch sequence number: the
 * first batch the workers started with it). One type for the learner's messages, the snapshot's history and
 * report.json.
 */
public record LambdaChange(long fromBatch, double lambda) {
}
