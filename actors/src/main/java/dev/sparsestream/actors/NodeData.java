package dev.sparsestream.actors;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.protocol.WorkerCommand;

/**
 * How a worker node reads a run's training set itself, so that the learner can send its workers a batch's rows
 * ({@link WorkerCommand.InferRows}) instead of its pixels. The command line reads it as {@code train} does, from
 * this node's data folder or the path the run names (a shared volume); {@link #shared} loads it once per node and
 * checks that it is the learner's, value for value.
 */
@FunctionalInterface
public interface NodeData {

    /** A node that reads no data of its own: its workers are always sent pixels. */
    NodeData NONE = (rows, configJson) -> {
        throw new IllegalStateException("this node was started without a way to read training data");
    };

    /**
     * The training set {@code rows} describes, as the run that offered it trains on it.
     *
     * @param configJson the model's configuration (its seed and batch size choose a vectors file's split)
     * @throws Exception with a message that says why this node cannot read it
     */
    Dataset trainingSet(WorkerCommand.TrainingRows rows, String configJson) throws Exception;

    /** {@code loader} behind a node-wide cache of the last set asked for, checked against the learner's checksum. */
    static NodeData shared(NodeData loader) {
        return new SharedTrainingSet(loader);
    }
}
