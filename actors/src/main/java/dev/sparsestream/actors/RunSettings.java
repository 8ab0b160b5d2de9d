package dev.sparsestream.actors;

import dev.sparsestream.core.model.ModelConfig;
import java.nio.file.Path;

/**
 * How a streaming run is set up, validated on construction.
 *
 * @param config        the model and every hyperparameter (lambda there is the starting one)
 * @param workers       inference workers in the pool (>= 1)
 * @param maxStaleness  K: codes are applied only when their weights are at most K versions behind the
 *                      learner's (0: every batch sees the latest weights, exactly the sequential trainer)
 * @param snapshotEvery write a snapshot every this many applied batches (0: only at epoch ends, on
 *                      request and on stop)
 * @param runDir        where snapshots go; null for no snapshots (tests)
 */
public record RunSettings(ModelConfig config, int workers, int maxStaleness, int snapshotEvery, Path runDir) {
    public RunSettings {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        }
        if (maxStaleness < 0) {
            throw new IllegalArgumentException("--max-staleness must be >= 0, got " + maxStaleness);
        }
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("--snapshot-every must be >= 0, got " + snapshotEvery);
        }
    }

    /** Batches in flight at once: more than K + 1 could only produce codes too stale to apply. */
    public int capacity() {
        return Math.min(workers, maxStaleness + 1);
    }
}
