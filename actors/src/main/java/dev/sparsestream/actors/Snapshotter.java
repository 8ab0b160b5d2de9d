package dev.sparsestream.actors;

import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.MonitorState;
import dev.sparsestream.protocol.Snapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Takes the learner's snapshots: the learner's state at the request, the monitor's when it answers (it then
 * reflects every batch reported before the request), written together into the run folder. Runs inside the
 * learner, on its context.
 */
final class Snapshotter {
    /** The monitor's answer; with {@code end}, the run's last snapshot, after which it ends so. */
    record MonitorStateReady(Snapshot partial, MonitorState state, Throwable failure,
                             List<ActorRef<ControlReply>> replyTo, RunOutcome end) implements LearnerCommand.Local {
    }

    private static final Duration MONITOR_TIMEOUT = Duration.ofMinutes(10);

    private final ActorContext<LearnerCommand> ctx;
    private final ActorRef<MonitorCommand> monitor;
    private final Path runDir;
    private final RunProgress progress;

    /** @param runDir where snapshots go; null: none are written (the monitor's state is still fetched) */
    Snapshotter(ActorContext<LearnerCommand> ctx, ActorRef<MonitorCommand> monitor, Path runDir, RunProgress progress) {
        this.ctx = ctx;
        this.monitor = monitor;
        this.runDir = runDir;
        this.progress = progress;
    }

    boolean writes() {
        return runDir != null;
    }

    /** Asks the monitor for its part of {@code partial}; the answer comes back as {@link MonitorStateReady}. */
    void request(Snapshot partial, List<ActorRef<ControlReply>> replyTo, RunOutcome end) {
        progress.snapshotRequested();
        ctx.ask(MonitorState.class, monitor, MONITOR_TIMEOUT, MonitorCommand.GetState::new,
                (s, failure) -> new MonitorStateReady(partial, s, failure, replyTo, end));
    }

    /** Writes the snapshot (if there is a run folder) and answers whoever asked for it. */
    void write(MonitorStateReady m) {
        String error = m.failure() != null ? "the monitor did not answer: " + m.failure().getMessage()
                : runDir == null ? null : progress.write(runDir, m.partial().withMonitor(m.state()));
        for (var r : m.replyTo()) {
            r.tell(error != null ? new ControlReply.Rejected(error)
                    : new ControlReply.Accepted(runDir == null ? "no run folder" : "snapshot " + progress.lastSnapshot()));
        }
        if (error != null) {
            ctx.getLog().error(error);
        }
    }
}
