package dev.sparsestream.protocol;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.LambdaChange;
import org.apache.pekko.actor.typed.ActorRef;

/** What the monitor is told by the learner. */
public sealed interface MonitorCommand permits MonitorCommand.BatchApplied, MonitorCommand.LambdaChanged,
        MonitorCommand.EpochFinished, MonitorCommand.GetState, MonitorCommand.Restore {

    record BatchApplied(BatchRecord record, int batchesPerEpoch) implements MonitorCommand {
    }

    record LambdaChanged(LambdaChange change) implements MonitorCommand {
    }

    /**
     * The epoch's last batch is applied: validate {@code weights} (with encoder codes, or FISTA for
     * decoder-only models, at {@code params}), keep them if best, and answer with
     * {@link LearnerCommand.EpochValidated}.
     */
    record EpochFinished(int epoch, double seconds, double lrDecoder, Weights weights, FistaParams params,
                         ActorRef<LearnerCommand> replyTo) implements MonitorCommand {
    }

    /** The monitor's state for a snapshot, reflecting every message the asker sent before. */
    record GetState(ActorRef<MonitorState> replyTo) implements MonitorCommand {
    }

    /** Continue from a snapshot's monitor state (sent once, before any batch). */
    record Restore(MonitorState state) implements MonitorCommand {
    }
}
