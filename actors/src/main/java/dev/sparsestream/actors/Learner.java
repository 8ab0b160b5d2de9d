package dev.sparsestream.actors;

import dev.sparsestream.core.model.Weights;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.actors.BatchFeed.Pulled;
import dev.sparsestream.actors.Snapshotter.MonitorStateReady;
import dev.sparsestream.actors.WorkerDispatch.WorkerGone;
import dev.sparsestream.actors.WorkerDispatch.WorkersListed;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
import dev.sparsestream.protocol.LearnerCommand.DataRead;
import dev.sparsestream.protocol.LearnerCommand.EpochValidated;
import dev.sparsestream.protocol.LearnerCommand.GetStatus;
import dev.sparsestream.protocol.LearnerCommand.Pause;
import dev.sparsestream.protocol.LearnerCommand.Resume;
import dev.sparsestream.protocol.LearnerCommand.SetLambda;
import dev.sparsestream.protocol.LearnerCommand.Stop;
import dev.sparsestream.protocol.LearnerCommand.TakeSnapshot;
import dev.sparsestream.protocol.LearnerCommand.WorkerReady;
import dev.sparsestream.protocol.LearnerStatus;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.WorkerCommand;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Applies the encoder and decoder updates from the codes the inference workers compute, in batch order.
 * Workers, on this node or any other of a cluster, are found through the receptionist ({@link WorkerPool});
 * each is sent the model and the current weights just before a batch that needs a version it does not hold.
 * At most K + 1 batches are in flight and codes are applied at most K versions after their weights
 * ({@link InFlightWindow}); with K = 0 the run equals the sequential trainer batch for batch. The stream is
 * pulled only when there is room, so a slow learner slows the source (backpressure).
 *
 * <p>Phases, one behaviour each: running; paused (what is in flight is applied, nothing new starts);
 * draining after a stop (the same, then the last snapshot); validating after an epoch's last batch (the
 * monitor validates exactly the end-of-epoch weights; nothing is applied until its verdict, then a
 * snapshot); finishing (waiting for the last snapshot). {@link #advance} is the one place that moves a
 * run forward.
 */
public final class Learner {

    /** Called with the weights after every update (tests compare them with the sequential trainer's). */
    public interface UpdateListener extends Consumer<Weights> {
        UpdateListener NONE = w -> { };
    }

    public static Behavior<LearnerCommand> create(LearnerDeps deps) {
        return Behaviors.setup(ctx -> new Learner(ctx, deps).start());
    }

    /** Where a run stands between epochs; validating and finishing are behaviours of their own. */
    private enum Phase { RUNNING, PAUSED, DRAINING }

    private final ActorContext<LearnerCommand> ctx;
    private final LearnerDeps deps;
    private final BatchFeed feed;
    private final LearnerState state;
    private final InFlightWindow<ActorRef<WorkerCommand>> window;
    private final WorkerDispatch workers;
    private final RunProgress progress = new RunProgress();
    private final Snapshotter snapshots;
    private final Map<Phase, Behavior<LearnerCommand>> phases = new EnumMap<>(Phase.class);
    private final Map<Phase, Behavior<LearnerCommand>> validations = new EnumMap<>(Phase.class);
    private String stopReason;       // set by a stop: nothing more is pulled or sent out

    private Learner(ActorContext<LearnerCommand> ctx, LearnerDeps d) {
        this.ctx = ctx;
        ctx.setLoggerName(Learner.class); // not the class of the first lambda that logs
        deps = d;
        state = new LearnerState(d.settings(), d.model(), d.resumeFrom(), d.batches());
        window = new InFlightWindow<>(d.settings().capacity(), d.settings().maxStaleness(),
                d.resumeFrom() == null ? 0 : d.resumeFrom().nextSeq());
        if (d.resumeFrom() != null) {
            d.monitor().tell(new MonitorCommand.Restore(d.resumeFrom().monitor()));
        }
        feed = new BatchFeed(ctx, d.source(), d.batches());
        workers = new WorkerDispatch(ctx, d.pool(), state, window, d.monitor(), d.trainingRows());
        snapshots = new Snapshotter(ctx, d.monitor(), d.settings().runDir(), progress);
    }

    private Behavior<LearnerCommand> start() {
        for (Phase p : Phase.values()) { // built once: a message costs no new behaviour
            phases.put(p, phase(p));
            validations.put(p, validation(p));
        }
        pull();
        return phases.get(Phase.RUNNING);
    }

    private Behavior<LearnerCommand> phase(Phase p) {
        return shared(p, this::advance)
                .onMessage(Pulled.class, m -> { received(m); return m.failure() != null ? failSource(m) : advance(p); })
                .build();
    }

    /** After an epoch's last batch: nothing is applied or sent out until the monitor's verdict; then {@code after}. */
    private Behavior<LearnerCommand> validation(Phase after) {
        return shared(after, validations::get)
                .onMessage(Pulled.class, m -> { received(m); return m.failure() != null ? failSource(m) : same(); })
                .onMessage(EpochValidated.class, m -> onEpochValidated(m, after))
                .build();
    }

    /** The last snapshot is requested; the run's outcome follows it. */
    private Behavior<LearnerCommand> finishing() {
        return controls(false, true)
                .onMessage(Stop.class, m -> reply(m.replyTo(), "the run is already finishing", same()))
                .onMessage(Pause.class, m -> reply(m.replyTo(), "the run is finishing", same()))
                .onMessage(Resume.class, m -> reply(m.replyTo(), "the run is finishing", same()))
                .build();
    }

    /** What phase {@code p} answers alike in and out of validation; {@code in} gives the behaviour for a phase. */
    private BehaviorBuilder<LearnerCommand> shared(Phase p, Function<Phase, Behavior<LearnerCommand>> in) {
        return controls(p == Phase.PAUSED, p == Phase.DRAINING)
                .onMessage(CodesComputed.class, m -> { workers.received(m); return in.apply(p); })
                .onMessage(WorkerReady.class, m -> { workers.ready(m.worker()); return in.apply(p); })
                .onMessage(DataRead.class, m -> { workers.dataRead(m); return same(); })
                .onMessage(WorkerGone.class, m -> { workers.gone(m.worker(), "is gone"); return in.apply(p); })
                .onMessage(WorkerChannel.Broke.class, m -> { workers.channelBroke(m); return in.apply(p); })
                .onMessage(WorkersListed.class, m -> { workers.listed(m); return in.apply(p); })
                .onMessage(Pause.class, m -> p != Phase.RUNNING ? reply(m.replyTo(), p == Phase.PAUSED
                        ? "already paused" : "the run is stopping", same()) : pause(m, () -> in.apply(Phase.PAUSED)))
                .onMessage(Resume.class, m -> p != Phase.PAUSED ? reply(m.replyTo(), "not paused", same())
                        : resume(m, () -> in.apply(Phase.RUNNING)))
                .onMessage(Stop.class, m -> stop(m, () -> in.apply(Phase.DRAINING)));
    }

    /** What every phase answers alike. */
    private BehaviorBuilder<LearnerCommand> controls(boolean paused, boolean stopping) {
        return Behaviors.receive(LearnerCommand.class)
                .onMessage(SetLambda.class, m -> { m.replyTo().tell(state.setLambda(m.lambda())); return same(); })
                .onMessage(TakeSnapshot.class, this::onTakeSnapshot)
                .onMessage(MonitorStateReady.class, this::onMonitorState)
                .onMessage(GetStatus.class, m -> { status(m, paused, stopping); return same(); });
    }

    /** Applies what is ready in order, sends out what the window allows, pulls, and finishes when done. */
    private Behavior<LearnerCommand> advance(Phase p) {
        for (var r = window.takeNext(state.version()); r != null; r = window.takeNext(state.version())) {
            Batch b = r.dispatch().batch();
            BatchRecord applied = state.apply(r);
            if (!applied.metrics().energy().isFinite()) {
                return fail("the energy became " + applied.metrics().energy().total() + " at epoch " + b.epoch()
                        + ", batch " + b.index() + "; stopping (try a smaller learning rate or step size eta); the last "
                        + "snapshot " + (progress.lastSnapshot() != null ? progress.lastSnapshot() : "(none written yet)")
                        + " is intact");
            }
            if (deps.onUpdate() != UpdateListener.NONE) { // else a version is exported only when someone needs it
                deps.onUpdate().accept(state.weights());
            }
            deps.monitor().tell(new MonitorCommand.BatchApplied(applied, b.batchesPerEpoch()));
            boolean snapshotDue = progress.appliedOne(deps.settings().snapshotEvery());
            if (b.lastOfEpoch()) {
                deps.monitor().tell(new MonitorCommand.EpochFinished(b.epoch(), progress.epochSeconds(), state.learningRate(),
                        state.weights(), state.params(), ctx.getSelf()));
                pull();
                return validations.get(p);
            }
            if (snapshotDue && snapshots.writes()) {
                requestSnapshot("every " + deps.settings().snapshotEvery() + " batches", List.of(), null);
            }
        }
        if (p == Phase.RUNNING) {
            workers.send();
        }
        if (p == Phase.DRAINING && window.inFlight() == 0) {
            String message = "stopped (" + stopReason + ")";
            return finish(RunOutcome.Status.STOPPED, message, message);
        }
        pull();
        if (feed.ended() && window.isEmpty()) {
            return finish(RunOutcome.Status.COMPLETED, "completed: the data ended", "end of data");
        }
        return phases.get(p);
    }

    private void pull() {
        if (stopReason == null && window.wantsMore()) {
            feed.pull();
        }
    }

    private void received(Pulled m) {
        feed.received(m).ifPresent(window::offer);
    }

    private Behavior<LearnerCommand> failSource(Pulled m) {
        return fail("the data source failed: " + m.failure().getMessage());
    }

    private Behavior<LearnerCommand> onEpochValidated(EpochValidated m, Phase after) {
        progress.epochStarts();
        if (m.stop()) {
            return finish(RunOutcome.Status.COMPLETED, "completed after epoch " + m.epoch(), "end of epoch " + m.epoch());
        }
        if (snapshots.writes()) {
            requestSnapshot("end of epoch " + m.epoch(), List.of(), null);
        }
        return advance(after);
    }

    private Behavior<LearnerCommand> onTakeSnapshot(TakeSnapshot m) {
        if (!snapshots.writes()) {
            m.replyTo().tell(new ControlReply.Rejected("this run has no run folder to write snapshots to"));
        } else {
            requestSnapshot(m.reason(), List.of(m.replyTo()), null);
        }
        return same();
    }

    private Behavior<LearnerCommand> pause(Pause m, Supplier<Behavior<LearnerCommand>> next) {
        progress.pause();
        return reply(m.replyTo(), "paused: the " + window.inFlight() + " batch(es) in flight are applied, no new "
                + "batch starts until resumed", next.get());
    }

    /** {@code next} is evaluated after the reply: resuming may move the run on at once. */
    private Behavior<LearnerCommand> resume(Resume m, Supplier<Behavior<LearnerCommand>> next) {
        progress.resume();
        m.replyTo().tell(new ControlReply.Accepted("resumed at batch " + window.nextApply()));
        return next.get();
    }

    /** Answered now, not when the run has ended: whoever asked hears back while the run's endpoint is up. */
    private Behavior<LearnerCommand> stop(Stop m, Supplier<Behavior<LearnerCommand>> then) {
        m.replyTo().tell(new ControlReply.Accepted("stopping: the batches in flight are applied, then a last snapshot "
                + (snapshots.writes() ? "is written to " + deps.settings().runDir() : "is taken") + " and the run ends"));
        stopReason = m.reason();
        window.dropPending();
        return then.get();
    }

    private void status(GetStatus m, boolean paused, boolean stopping) {
        m.replyTo().tell(new LearnerStatus(state.version(), window.nextApply(), state.params().lambda(), paused,
                stopping, window.inFlight(), workers.workers(), progress.lastSnapshotMillis(), progress.lastSnapshotReason(),
                (int) state.usage().samples(), state.usage().fractions(), state.weights()));
    }

    /** A last snapshot (also without a run folder: the monitor's final state comes with it), then the outcome. */
    private Behavior<LearnerCommand> finish(RunOutcome.Status status, String message, String reason) {
        stopReason = stopReason == null ? message : stopReason;
        requestSnapshot(reason, List.of(), new RunOutcome(status, message, null, null, 0));
        return finishing();
    }

    private void requestSnapshot(String reason, List<ActorRef<ControlReply>> replyTo, RunOutcome end) {
        snapshots.request(state.snapshot(window.nextApply(), reason), replyTo, end);
    }

    private Behavior<LearnerCommand> onMonitorState(MonitorStateReady m) {
        snapshots.write(m);
        if (m.end() == null) {
            return same();
        }
        deps.outcome().complete(new RunOutcome(m.end().status(), m.end().message(), m.state(), progress.lastSnapshot(),
                progress.applied()));
        feed.cancel();
        workers.closeChannels();
        return Behaviors.stopped();
    }

    private Behavior<LearnerCommand> fail(String message) {
        ctx.getLog().error(message);
        feed.cancel();
        workers.closeChannels();
        deps.outcome().complete(new RunOutcome(RunOutcome.Status.FAILED, message, null, progress.lastSnapshot(),
                progress.applied()));
        return Behaviors.stopped();
    }

    private static Behavior<LearnerCommand> reply(ActorRef<ControlReply> to, String text, Behavior<LearnerCommand> next) {
        to.tell(new ControlReply.Accepted(text));
        return next;
    }

    private static Behavior<LearnerCommand> same() {
        return Behaviors.same();
    }
}
