package dev.sparsestream.actors;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.metrics.ComponentUsage;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.TrainingStep;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
import dev.sparsestream.protocol.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the learner changes and a snapshot keeps: the weights and their version (one per applied batch),
 * the optimisers, lambda and its history, and the components' recent usage. No actor here: the learner
 * decides when, this does the update.
 */
final class LearnerState {
    /** Component usage is counted over this many of the latest batches (5,000 samples at n = 250). */
    static final int USAGE_WINDOW = 20;

    private final SparseAutoencoder model;
    private final TrainingStep step;
    private final ComponentUsage usage;
    private final String configJson; // for workers that hold no model yet, and for snapshots
    private final NativeBatches batches; // the pixels of the batches sent out, shared with this node's workers
    private final NativeWeights lent = new NativeWeights(); // weight versions lent to this node's workers
    private final Matrix y;          // (n, d), for a batch not held there
    private final Matrix z;          // (n, l)
    private final List<LambdaChange> lambdaHistory = new ArrayList<>();
    private FistaParams params;
    private boolean lambdaChanged;
    private long version;
    private Weights current;         // export of the current version, made lazily, shared by all workers
    private int epoch;               // epoch of the last applied batch (0: none yet)

    LearnerState(RunSettings settings, SparseAutoencoder model, Snapshot resume, NativeBatches batches) {
        this.model = model;
        this.batches = batches;
        var config = settings.config();
        step = new TrainingStep(model, config.batchSize());
        y = settings.device().zeros(config.batchSize(), config.dataDim());
        z = settings.device().zeros(config.batchSize(), config.codeDim());
        usage = new ComponentUsage(config.codeDim(), USAGE_WINDOW);
        params = FistaParams.of(config);
        try {
            configJson = Json.mapper().writeValueAsString(config);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the configuration as JSON", e);
        }
        if (resume != null) {
            model.importWeights(resume.weights());
            step.decoderOptimizer().importState(resume.decoderAdam());
            if (step.encoderOptimizer() != null) {
                step.encoderOptimizer().importState(resume.encoderAdam());
            }
            params = params.withLambda(resume.lambda());
            lambdaHistory.addAll(resume.lambdaHistory());
            version = resume.weights().version();
        }
    }

    String configJson() {
        return configJson;
    }

    /** The FISTA parameters for the next batch sent out. */
    FistaParams params() {
        return params;
    }

    long version() {
        return version;
    }

    /** The current weights, exported once per version and shared (never written after). */
    Weights weights() {
        if (current == null || current.version() != version) {
            current = model.exportWeights(version);
        }
        return current;
    }

    /** The current weights for a worker on this node, lent in place (no arrays made); see {@link NativeWeights}. */
    NativeWeights.Lent lendWeights() {
        return lent.lend(model, version);
    }

    double learningRate() {
        return step.decoderOptimizer().learningRate();
    }

    ComponentUsage usage() {
        return usage;
    }

    /** Lambda for the batches sent out from now on, if valid; the answer says which. */
    ControlReply setLambda(double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            return new ControlReply.Rejected("lambda must be a finite number >= 0, got " + lambda
                    + "; the run continues with lambda " + params.lambda());
        }
        params = params.withLambda(lambda);
        lambdaChanged = true;
        return new ControlReply.Accepted("lambda " + lambda + " from the next batch the workers start");
    }

    /** Batch {@code seq} is sent out next: a lambda set since the last one takes effect with it, and is recorded. */
    Optional<LambdaChange> sending(long seq) {
        if (!lambdaChanged) {
            return Optional.empty();
        }
        lambdaChanged = false;
        LambdaChange change = new LambdaChange(seq, params.lambda());
        lambdaHistory.add(change);
        return Optional.of(change);
    }

    /** One update from a batch and its codes, the next in order; the version moves on by one. */
    BatchRecord apply(InFlightWindow.Inferred<?> r) {
        Batch b = r.dispatch().batch();
        CodesComputed c = r.codes();
        FistaParams p = r.dispatch().params();
        long staleness = version - c.weightsVersion(); // 0: the codes and the encoder pass are this version's
        if (b.epoch() != epoch) {
            epoch = b.epoch();
            step.startEpoch(epoch - 1);
        }
        NativeBatches.Slot slot = batches.find(b);
        Matrix pixels = slot != null ? slot.pixels() : y;  // (n, d)
        if (slot == null) {
            y.data().put(0, b.data());
        }
        Matrix codes = z;                                   // (n, l)
        if (c.codes() != null) {
            z.data().put(0, c.codes());
        } else if (slot != null && slot.codes() != null) {
            codes = slot.codes();                           // read in place: learn() never writes its codes
        } else {
            throw new IllegalStateException("batch " + b.seq() + ": the codes were left on this node, which does "
                    + "not hold them");
        }
        usage.add(codes, c.rows());
        // The worker's encoder pass, made with the batch's own version: at staleness s > 0 the encoder's gradient
        // is delayed like the decoder's (docs/streaming.md, "Staleness"), and the encoder runs once per batch.
        BatchMetrics metrics = c.codes() != null
                ? step.learn(pixels, b.pixelScale(), codes, c.encoderPass(), c.meanSteps(), c.iterations(), p)
                : step.learnFromDevicePass(pixels, b.pixelScale(), codes, slot.pass(), c.meanSteps(), c.iterations(), p);
        batches.release(b);
        version++;
        return new BatchRecord(b.seq(), b.epoch(), b.index(), p.lambda(), c.weightsVersion(), (int) staleness, metrics);
    }

    /** The learner's part of a snapshot now, with the data cursor {@code nextSeq}; the monitor's state follows. */
    Snapshot snapshot(long nextSeq, String reason) {
        return new Snapshot(ModelStore.PROJECT_VERSION, configJson, weights(),
                step.decoderOptimizer().exportState(),
                step.encoderOptimizer() == null ? null : step.encoderOptimizer().exportState(), params.lambda(),
                lambdaHistory, nextSeq, null, System.currentTimeMillis(), reason);
    }
}
