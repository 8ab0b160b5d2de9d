package dev.sparsestream.actors;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.protocol.WorkerCommand;
import java.util.Objects;

/**
 * A node's one copy of the training set its workers read: loaded by the first worker that is offered it, checked
 * against the learner's shape and checksum, and kept (or its failure kept) for the node's other workers, so that
 * a node of eight workers loads and checksums the data once. One run per cluster, so only the last set is kept.
 */
final class SharedTrainingSet implements NodeData {
    private record Entry(String key, Dataset data, Exception failure) {
    }

    private final NodeData loader;
    private Entry last; // guarded by this

    SharedTrainingSet(NodeData loader) {
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    @Override
    public synchronized Dataset trainingSet(WorkerCommand.TrainingRows rows, String configJson) throws Exception {
        String key = rows + "\n" + configJson;
        if (last == null || !last.key().equals(key)) {
            Dataset data = null;
            Exception failure = null;
            try {
                data = checked(loader.trainingSet(rows, configJson), rows);
            } catch (Exception e) {
                failure = e;
            }
            last = new Entry(key, data, failure);
        }
        if (last.failure() != null) {
            throw last.failure();
        }
        return last.data();
    }

    private static Dataset checked(Dataset data, WorkerCommand.TrainingRows rows) {
        if (data.size() != rows.rows() || data.dim() != rows.dim()) {
            throw new IllegalStateException("this node's training set is " + data.size() + " x " + data.dim()
                    + ", the learner's " + rows.rows() + " x " + rows.dim());
        }
        long checksum = data.checksum();
        if (checksum != rows.checksum()) {
            throw new IllegalStateException(String.format("this node's training set (%s) differs from the learner's: "
                    + "CRC-32C %08x, the learner's %08x (another file, version or normalisation)", data.name(),
                    checksum, rows.checksum()));
        }
        return data;
    }
}
