package dev.sparsestream.actors;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.Evaluator;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.core.train.TrainingReport;
import dev.sparsestream.core.train.TrainingResult;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.MonitorState;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's closing steps, the same for {@code train}, {@code cluster seed} and {@code sweep}: from how the
 * run ended, rebuild the best epoch's model, evaluate it on the test split, save it and the report into
 * the run folder, and record how the run ended in its run.json. A failed run, or one stopped before its
 * first epoch was validated, records that and saves nothing (its snapshot holds the weights so far).
 */
public final class RunCompletion {
    private RunCompletion() {
    }

    /** What the run folder holds now. */
    public enum Kind {
        /** The run failed; nothing saved. */
        FAILED,
        /** Stopped before the first epoch was validated: no model or report yet. */
        NOTHING_VALIDATED,
        /** Stopped on request, with a model and a report of the epochs so far; it can be resumed. */
        STOPPED,
        /** All epochs, or early stopping: the model and report are final. */
        COMPLETED
    }

    /** @param result the best model and its test figures (null unless saved) */
    public record Closed(Kind kind, String message, long batches, TrainingResult result) {
    }

    /**
     * @param running   the run's run.json as written when it started
     * @param trainRows training samples per epoch
     * @param seconds   the run's time so far, for the report
     */
    public static Closed close(RunOutcome outcome, ModelConfig config, Device device, Dataset test, RunFolder folder,
                               RunData running, int trainRows, double seconds) throws Exception {
        if (outcome.status() == RunOutcome.Status.FAILED) {
            RunData.write(folder.runData(), running.with(RunData.FAILED, outcome.message()));
            return new Closed(Kind.FAILED, outcome.message(), outcome.batchesApplied(), null);
        }
        MonitorState m = outcome.monitor();
        if (m.epochs().isEmpty()) {
            RunData.write(folder.runData(), running.with(RunData.STOPPED, outcome.message()));
            return new Closed(Kind.NOTHING_VALIDATED, outcome.message(), m.batches().size(), null);
        }
        SparseAutoencoder best = SparseAutoencoder.initialise(config).to(device);
        best.importWeights(m.bestWeights());
        Summary tested = new Evaluator(best, config.batchSize()).evaluate(test, FistaParams.of(config));
        boolean completed = outcome.status() == RunOutcome.Status.COMPLETED;
        boolean early = completed && m.epochs().size() < config.epochs();
        TrainingResult result = new TrainingResult(best, m.epochs(), m.bestEpoch(), early, tested);
        ModelStore.save(result.best(), folder.model());
        TrainingReport.of(config, result, trainRows, seconds, lambdaChanges(config.lambda(), m.batches()))
                .write(folder.report());
        RunData.write(folder.runData(), running.with(completed ? RunData.COMPLETED : RunData.STOPPED, outcome.message()));
        return new Closed(completed ? Kind.COMPLETED : Kind.STOPPED, outcome.message(), m.batches().size(), result);
    }

    /** Where the batches' lambda differs from the one before (the first batch's from the configured value). */
    public static List<LambdaChange> lambdaChanges(double configured, List<BatchRecord> batches) {
        List<LambdaChange> changes = new ArrayList<>();
        double previous = configured;
        for (BatchRecord r : batches) {
            if (Double.compare(r.lambda(), previous) != 0) {
                changes.add(new LambdaChange(r.seq(), r.lambda()));
                previous = r.lambda();
            }
        }
        return changes;
    }
}
