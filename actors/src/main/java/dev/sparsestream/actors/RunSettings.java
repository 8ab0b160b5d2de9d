package dev.sparsestream.actors;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.model.ModelConfig;
import java.nio.file.Path;

/**
 * How a streaming run is set up, validated on construction.
 *
 * @param config        the model and every hyperparameter (lambda there is the starting one)
 * @param workers       inference workers on the learner's node (>= 1; >= 0 in a cluster, whose other nodes
 *                      bring workers of their own)
 * @param maxStaleness  K: codes are applied only when their weights are at most K versions behind the
 *                      learner's (0: every batch sees the latest weights, exactly the sequential trainer)
 * @param snapshotEvery write a snapshot every this many applied batches (0: only at epoch ends, on
 *                      request and on stop)
 * @param runDir        where snapshots go; null for no snapshots (tests)
 * @param cluster       whether workers on other nodes may join the pool
 * @param device        where this node's learner, workers and monitor compute ({@code --device})
 */
public record RunSettings(ModelConfig config, int workers, int maxStaleness, int snapshotEvery, Path runDir,
                          boolean cluster, Device device) {
    public RunSettings {
        if (device == null) {
            throw new IllegalArgumentException("a run needs a device");
        }
        if (workers < (cluster ? 0 : 1)) {
            throw new IllegalArgumentException("--workers must be at least " + (cluster ? 0 : 1) + ", got " + workers);
        }
        if (maxStaleness < 0) {
            throw new IllegalArgumentException("--max-staleness must be >= 0, got " + maxStaleness);
        }
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("--snapshot-every must be >= 0, got " + snapshotEvery);
        }
    }

    /** A run on the CPU. */
    public RunSettings(ModelConfig config, int workers, int maxStaleness, int snapshotEvery, Path runDir,
                       boolean cluster) {
        this(config, workers, maxStaleness, snapshotEvery, runDir, cluster, Devices.cpu());
    }

    /** A single-node run on the CPU. */
    public RunSettings(ModelConfig config, int workers, int maxStaleness, int snapshotEvery, Path runDir) {
        this(config, workers, maxStaleness, snapshotEvery, runDir, false);
    }

    /**
     * Batches in flight at once: more than K + 1 could only produce codes too stale to apply, and on a
     * single node more than its workers could not be worked on (a cluster's pool grows as nodes join).
     */
    public int capacity() {
        return cluster ? maxStaleness + 1 : Math.min(workers, maxStaleness + 1);
    }

    /** Workers of this node that can be busy at once (they share its cores). */
    public int busyLocalWorkers() {
        return Math.max(1, Math.min(workers, maxStaleness + 1));
    }
}
