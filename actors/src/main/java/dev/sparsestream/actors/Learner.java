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
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
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
import dev.sparsestream.protocol.MonitorState;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import dev.sparsestream.protocol.WorkerCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Applies the encoder and decoder updates from the codes the inference workers compute, in batch order.
 * Workers, on this node or any other of a cluster, are found through the receptionist; each is sent the
 * model and the current weights just before a batch that needs a version it does not hold.
 *
 * <p>Scheduling: at most {@link RunSettings#capacity()} = K + 1 batches (and one per worker) are in flight. A
 * batch is dispatched with the current version v and applied, in order, at version v' >= v; codes with
 * v' - v > K are inferred again (this only happens after a retry). With K = 0 each batch is inferred
 * with the weights it is applied to, so the run equals the sequential trainer batch for batch. The
 * stream is pulled only when there is room, so a slow learner slows the source (backpressure).
 *
 * <p>Epochs: after an epoch's last batch the learner hands a copy of the weights to the monitor and
 * waits for its verdict before applying more (validation sees exactly the end-of-epoch weights), then
 * writes a snapshot.
 */
public final class Learner extends AbstractBehavior<LearnerCommand> {

    // ----- private messages
    private record Pulled(Optional<Batch> batch, Throwable failure) implements LearnerCommand.Local {
    }

    private record MonitorStateReady(Snapshot partial, MonitorState state, Throwable failure,
                                     List<ActorRef<ControlReply>> replyTo, boolean thenFinish)
            implements LearnerCommand.Local {
    }

    /** A worker stopped or its node left (Pekko's death watch); never sent by anyone else. */
    private record WorkerGone(ActorRef<WorkerCommand> worker) implements LearnerCommand.Local {
    }

    /** The receptionist's current list of the pool's reachable workers. */
    private record WorkersListed(Set<ActorRef<WorkerCommand>> workers) implements LearnerCommand.Local {
    }

    private record InFlight(Batch batch, FistaParams params, long version, ActorRef<WorkerCommand> worker) {
    }

    private record Completed(InFlight dispatch, CodesComputed codes) {
    }

    /** Called with the weights after every update (tests compare them with the sequential trainer's). */
    public interface UpdateListener extends Consumer<Weights> {
        UpdateListener NONE = w -> { };
    }

    /**
     * @param pool the receptionist key the run's workers register under, on this node and on others; the
     *             learner takes every worker listed under it (and any that announces itself with
     *             {@link WorkerReady})
     */
    public static Behavior<LearnerCommand> create(RunSettings settings, SparseAutoencoder model,
                                                  Source<Batch, NotUsed> source, ActorRef<MonitorCommand> monitor,
                                                  Snapshot resumeFrom, UpdateListener onUpdate,
                                                  CompletableFuture<RunOutcome> outcome,
                                                  ServiceKey<WorkerCommand> pool) {
        return Behaviors.setup(ctx -> new Learner(ctx, settings, model, source, monitor, resumeFrom, onUpdate, outcome,
                pool));
    }

    private static final Duration MONITOR_TIMEOUT = Duration.ofMinutes(10);
    /** Component usage is counted over this many of the latest batches (5,000 samples at n = 250). */
    static final int USAGE_WINDOW = 20;

    private final RunSettings settings;
    private final SparseAutoencoder model;
    private final TrainingStep step;
    private final ActorRef<MonitorCommand> monitor;
    private final UpdateListener onUpdate;
    private final CompletableFuture<RunOutcome> outcome;
    private final SinkQueueWithCancel<Batch> queue;
    private final Matrix y;    // (n, d)
    private final Matrix z;    // (n, l)

    // Every known (death-watched) worker -> the weight version it holds (-1: no model yet); a worker is sent
    // weights just before a batch that needs them, so joining late or restarting costs one weight message.
    private final Map<ActorRef<WorkerCommand>, Long> holds = new HashMap<>();
    private final Set<ActorRef<WorkerCommand>> idle = new LinkedHashSet<>();         // known workers with nothing to do
    private final Map<ActorRef<WorkerCommand>, Long> assigned = new HashMap<>();    // worker -> its batch's seq
    private Set<ActorRef<WorkerCommand>> listed = Set.of(); // the receptionist's last listing
    private final Deque<Batch> pending = new ArrayDeque<>();
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private final TreeMap<Long, Completed> done = new TreeMap<>(); // by seq, waiting for their turn
    private final List<LambdaChange> lambdaHistory = new ArrayList<>();
    private final ComponentUsage usage;

    private FistaParams params;
    private boolean lambdaChanged;
    private long version;
    private long nextApply;
    private Weights current;          // export of the current version, made lazily, shared by all workers
    private int epoch;                // epoch of the last applied batch (0: none yet)
    private long epochStart = System.nanoTime(); // when the running epoch's first batch could be dispatched
    private boolean pulling;
    private boolean sourceDone;
    private boolean awaitingValidation;
    private boolean stopping;         // no new dispatches
    private boolean paused;           // no new dispatches until resumed
    private long pausedAt;            // System.nanoTime() when paused
    private boolean finishing;        // the last snapshot is requested; the outcome follows it
    private RunOutcome.Status finishStatus;
    private String finishMessage;
    private long appliedSinceSnapshot;
    private Path lastSnapshot;
    private long lastSnapshotMillis;
    private String lastSnapshotReason;
    private long applied;

    private Learner(ActorContext<LearnerCommand> ctx, RunSettings settings, SparseAutoencoder model,
                    Source<Batch, NotUsed> source, ActorRef<MonitorCommand> monitor, Snapshot resume,
                    UpdateListener onUpdate, CompletableFuture<RunOutcome> outcome, ServiceKey<WorkerCommand> pool) {
        super(ctx);
        this.settings = settings;
        this.model = model;
        this.monitor = monitor;
        this.onUpdate = onUpdate;
        this.outcome = outcome;
        int n = settings.config().batchSize();
        step = new TrainingStep(model, n);
        y = settings.device().zeros(n, settings.config().dataDim());
        z = settings.device().zeros(n, settings.config().codeDim());
        usage = new ComponentUsage(settings.config().codeDim(), USAGE_WINDOW);
        params = FistaParams.of(settings.config());
        if (resume != null) {
            model.importWeights(resume.weights());
            step.decoderOptimizer().importState(resume.decoderAdam());
            if (step.encoderOptimizer() != null) {
                step.encoderOptimizer().importState(resume.encoderAdam());
            }
            params = withLambda(params, resume.lambda());
            lambdaHistory.addAll(resume.lambdaHistory());
            version = resume.weights().version();
            nextApply = resume.nextSeq();
            monitor.tell(new MonitorCommand.Restore(resume.monitor()));
        }
        // A one-element input buffer: the source makes a batch only when the learner is about to need it.
        queue = source.runWith(Sink.<Batch>queue().withAttributes(Attributes.inputBuffer(1, 1)), ctx.getSystem());
        configJson = configJson();
        ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class,
                l -> new WorkersListed(l.getServiceInstances(pool))); // reachable ones only
        ctx.getSystem().receptionist().tell(Receptionist.subscribe(pool, listings));
        pull();
    }

    private static FistaParams withLambda(FistaParams p, double lambda) {
        return new FistaParams(lambda, p.beta(), p.hingeT(), p.gamma(), p.eta(), p.maxSteps(), p.tolerance());
    }

    @Override
    public Receive<LearnerCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(Pulled.class, this::onPulled)
                .onMessage(WorkerReady.class, this::onWorkerReady)
                .onMessage(WorkerGone.class, this::onWorkerGone)
                .onMessage(WorkersListed.class, this::onWorkersListed)
                .onMessage(CodesComputed.class, this::onCodes)
                .onMessage(EpochValidated.class, this::onEpochValidated)
                .onMessage(SetLambda.class, this::onSetLambda)
                .onMessage(TakeSnapshot.class, this::onTakeSnapshot)
                .onMessage(Stop.class, this::onStop)
                .onMessage(Pause.class, this::onPause)
                .onMessage(Resume.class, this::onResume)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(MonitorStateReady.class, this::onMonitorState)
                .build();
    }

    // ----------------------------------------------------------------- the stream

    private void pull() {
        int held = pending.size() + inFlight.size() + done.size();
        if (pulling || sourceDone || stopping || held > settings.capacity()) { // one batch ready beyond capacity
            return;
        }
        pulling = true;
        getContext().pipeToSelf(queue.pull(), (batch, failure) -> new Pulled(batch, failure));
    }

    private Behavior<LearnerCommand> onPulled(Pulled m) {
        pulling = false;
        if (m.failure() != null) {
            return fail("the data source failed: " + m.failure().getMessage());
        }
        if (m.batch().isEmpty()) {
            sourceDone = true;
        } else if (m.batch().get().seq() >= nextApply) { // a resumed source may start before the cursor
            pending.addLast(m.batch().get());
        }
        dispatch();
        pull();
        return maybeFinished();
    }

    // ----------------------------------------------------------------- workers

    /** A worker (re)started: it holds no model, and the batch it had, if any, is lost. */
    private Behavior<LearnerCommand> onWorkerReady(WorkerReady m) {
        if (!holds.containsKey(m.worker())) {
            adopt(m.worker());
        } else {
            requeueBatchOf(m.worker(), "restarted");
            holds.put(m.worker(), -1L);
            idle.add(m.worker());
        }
        dispatch();
        return this;
    }

    /** Workers found through the receptionist (on any node) join the pool; those no longer listed leave it. */
    private Behavior<LearnerCommand> onWorkersListed(WorkersListed m) {
        for (var w : m.workers()) {
            if (!holds.containsKey(w)) {
                adopt(w);
            }
        }
        // Unreachable (its node is cut off or dead) or stopped: its batch goes to another worker now rather than
        // when the node is downed; should it come back, the listing brings it back as a new worker.
        for (var w : listed) {
            if (!m.workers().contains(w)) {
                forget(w, "is no longer listed (stopped or unreachable)");
            }
        }
        listed = m.workers();
        dispatch();
        return maybeFinished();
    }

    private void adopt(ActorRef<WorkerCommand> worker) {
        getContext().getLog().info("worker {} joined the pool", worker.path());
        holds.put(worker, -1L);
        idle.add(worker);
        getContext().watchWith(worker, new WorkerGone(worker));
    }

    /** A stopped worker's batch goes to the next idle worker; a late answer from it could not be applied anyway. */
    private Behavior<LearnerCommand> onWorkerGone(WorkerGone m) {
        forget(m.worker(), "is gone");
        dispatch();
        return maybeFinished();
    }

    private void forget(ActorRef<WorkerCommand> worker, String why) {
        if (holds.remove(worker) == null) {
            return;
        }
        getContext().unwatch(worker);
        idle.remove(worker);
        getContext().getLog().info("worker {} {}; {} worker(s) left", worker.path(), why, holds.size());
        requeueBatchOf(worker, why);
    }

    /** The batch a worker held (if any) goes back to the front of the queue, to be inferred again. */
    private void requeueBatchOf(ActorRef<WorkerCommand> worker, String what) {
        Long lost = assigned.remove(worker);
        InFlight f = lost == null ? null : inFlight.remove(lost);
        if (f != null) {
            getContext().getLog().warn("worker {} {}: batch {} is inferred again", worker.path(), what, lost);
            pending.addFirst(f.batch());
        }
    }

    private Weights currentWeights() {
        if (current == null || current.version() != version) {
            current = model.exportWeights(version);
        }
        return current;
    }

    private void dispatch() {
        // Batches inferred but waiting for an earlier one count too: every batch dispatched and not yet applied
        // will be applied at most K versions after the version it was dispatched with.
        while (!pending.isEmpty() && !idle.isEmpty() && inFlight.size() + done.size() < settings.capacity()
                && !awaitingValidation
                && !stopping && !paused) {
            var worker = idle.iterator().next();
            idle.remove(worker);
            Batch b = pending.pollFirst();
            if (lambdaChanged) {
                lambdaChanged = false;
                LambdaChange change = new LambdaChange(b.seq(), params.lambda());
                lambdaHistory.add(change);
                monitor.tell(new MonitorCommand.LambdaChanged(change));
            }
            inFlight.put(b.seq(), new InFlight(b, params, version, worker));
            assigned.put(worker, b.seq());
            long held = holds.put(worker, version);
            if (held < 0) {
                worker.tell(new WorkerCommand.Configure(configJson, currentWeights()));
            } else if (held != version) {
                worker.tell(new WorkerCommand.UpdateWeights(currentWeights()));
            }
            // Applied next, so with this very version: the worker's encoder pass can serve the update too.
            boolean next = b.seq() == nextApply && inFlight.size() == 1 && done.isEmpty();
            worker.tell(new WorkerCommand.InferBatch(b, params, version, next, getContext().getSelf()));
        }
    }

    private Behavior<LearnerCommand> onCodes(CodesComputed c) {
        if (!holds.containsKey(c.worker())) {
            return this; // from a worker that left the pool: its batch went to another worker
        }
        Long mine = assigned.get(c.worker());
        if (mine != null && mine == c.seq()) {
            assigned.remove(c.worker());
        }
        if (!assigned.containsKey(c.worker())) {
            idle.add(c.worker());
        }
        InFlight f = inFlight.get(c.seq());
        if (f == null || !f.worker().equals(c.worker())) {
            dispatch(); // a late answer for a batch given to another worker since: it is applied only once
            return this;
        }
        inFlight.remove(c.seq());
        done.put(c.seq(), new Completed(f, c));
        Behavior<LearnerCommand> next = applyReady();
        dispatch();
        pull();
        return next;
    }

    // ----------------------------------------------------------------- learning

    private Behavior<LearnerCommand> applyReady() {
        while (!awaitingValidation && !finishing && done.containsKey(nextApply)) {
            Completed ready = done.remove(nextApply);
            CodesComputed c = ready.codes();
            InFlight f = ready.dispatch();
            long staleness = version - c.weightsVersion();
            if (staleness > settings.maxStaleness()) {
                pending.addFirst(f.batch()); // too stale: infer again with the current weights
                break;
            }
            Batch b = f.batch();
            if (b.epoch() != epoch) {
                epoch = b.epoch();
                step.startEpoch(epoch - 1);
            }
            y.data().put(0, b.data());
            z.data().put(0, c.codes());
            usage.add(z, c.rows());
            float[] pass = staleness == 0 ? c.encoderPass() : null; // made with other weights: of no use
            BatchMetrics metrics = step.learn(y, b.pixelScale(), z, pass, c.meanSteps(), c.iterations(), f.params());
            if (!metrics.energy().isFinite()) {
                return fail("the energy became " + metrics.energy().total() + " at epoch " + b.epoch() + ", batch "
                        + b.index() + "; stopping (try a smaller learning rate or step size eta); the last snapshot "
                        + (lastSnapshot != null ? lastSnapshot : "(none written yet)") + " is intact");
            }
            version++;
            applied++;
            nextApply++;
            Weights w = currentWeights();
            onUpdate.accept(w);
            monitor.tell(new MonitorCommand.BatchApplied(new BatchRecord(b.seq(), b.epoch(), b.index(),
                    f.params().lambda(), c.weightsVersion(), (int) staleness, metrics), b.batchesPerEpoch()));
            appliedSinceSnapshot++;
            if (b.lastOfEpoch()) {
                awaitingValidation = true;
                monitor.tell(new MonitorCommand.EpochFinished(b.epoch(), (System.nanoTime() - epochStart) / 1e9,
                        step.decoderOptimizer().learningRate(), w, params, getContext().getSelf()));
            } else if (settings.snapshotEvery() > 0 && appliedSinceSnapshot >= settings.snapshotEvery()
                    && settings.runDir() != null) {
                requestSnapshot("every " + settings.snapshotEvery() + " batches", List.of(), false);
            }
        }
        return maybeFinished();
    }

    private Behavior<LearnerCommand> onEpochValidated(EpochValidated m) {
        awaitingValidation = false;
        epochStart = paused ? pausedAt : System.nanoTime(); // the next epoch's first batch can start from here on
        if (m.stop()) {
            finish(RunOutcome.Status.COMPLETED, "completed after epoch " + m.epoch(), "end of epoch " + m.epoch(),
                    List.of());
            return this;
        }
        if (settings.runDir() != null) {
            requestSnapshot("end of epoch " + m.epoch(), List.of(), false);
        }
        Behavior<LearnerCommand> next = applyReady();
        dispatch();
        pull();
        return next;
    }

    // ----------------------------------------------------------------- control

    private Behavior<LearnerCommand> onSetLambda(SetLambda m) {
        if (!(m.lambda() >= 0) || Double.isInfinite(m.lambda())) {
            m.replyTo().tell(new ControlReply.Rejected("lambda must be a finite number >= 0, got " + m.lambda()
                    + "; the run continues with lambda " + params.lambda()));
            return this;
        }
        params = withLambda(params, m.lambda());
        lambdaChanged = true;
        m.replyTo().tell(new ControlReply.Accepted("lambda " + m.lambda() + " from the next batch the workers start"));
        return this;
    }

    private Behavior<LearnerCommand> onTakeSnapshot(TakeSnapshot m) {
        if (settings.runDir() == null) {
            m.replyTo().tell(new ControlReply.Rejected("this run has no run folder to write snapshots to"));
            return this;
        }
        requestSnapshot(m.reason(), List.of(m.replyTo()), false);
        return this;
    }

    private Behavior<LearnerCommand> onStop(Stop m) {
        if (finishing) {
            m.replyTo().tell(new ControlReply.Accepted("the run is already finishing"));
            return this;
        }
        // Answered now, not when the run has ended: whoever asked hears back while the run's endpoint is up.
        m.replyTo().tell(new ControlReply.Accepted("stopping: the batches in flight are applied, then a last snapshot "
                + (settings.runDir() != null ? "is written to " + settings.runDir() : "is taken") + " and the run ends"));
        stopping = true;
        pending.clear();
        finishMessage = "stopped (" + m.reason() + ")";
        return maybeFinished();
    }

    private Behavior<LearnerCommand> onPause(Pause m) {
        if (paused) {
            m.replyTo().tell(new ControlReply.Accepted("already paused"));
            return this;
        }
        paused = true;
        pausedAt = System.nanoTime();
        m.replyTo().tell(new ControlReply.Accepted("paused: the " + inFlight.size() + " batch(es) in flight are applied, "
                + "no new batch starts until resumed"));
        return this;
    }

    private Behavior<LearnerCommand> onResume(Resume m) {
        if (!paused) {
            m.replyTo().tell(new ControlReply.Accepted("not paused"));
            return this;
        }
        paused = false;
        // The pause does not count towards the epoch's time.
        epochStart += System.nanoTime() - pausedAt;
        m.replyTo().tell(new ControlReply.Accepted("resumed at batch " + nextApply));
        Behavior<LearnerCommand> next = applyReady();
        dispatch();
        pull();
        return next;
    }

    private Behavior<LearnerCommand> onGetStatus(GetStatus m) {
        m.replyTo().tell(new LearnerStatus(version, nextApply, params.lambda(), paused, stopping, inFlight.size(),
                holds.size(), lastSnapshotMillis, lastSnapshotReason, (int) usage.samples(),
                usage.fractions(), currentWeights()));
        return this;
    }

    /** Finishes once there is nothing left to do: stopped with nothing in flight, or the source ended. */
    private Behavior<LearnerCommand> maybeFinished() {
        if (finishing || awaitingValidation) {
            return this;
        }
        if (stopping && inFlight.isEmpty()) {
            finish(RunOutcome.Status.STOPPED, finishMessage, finishMessage, List.of());
        } else if (sourceDone && pending.isEmpty() && inFlight.isEmpty() && done.isEmpty()) {
            finish(RunOutcome.Status.COMPLETED, "completed: the data ended", "end of data", List.of());
        }
        return this;
    }

    /** A last snapshot (also when there is no run folder: the monitor's final state comes with it). */
    private void finish(RunOutcome.Status status, String message, String reason, List<ActorRef<ControlReply>> replyTo) {
        finishing = true;
        stopping = true;
        finishStatus = status;
        finishMessage = message;
        requestSnapshot(reason, replyTo, true);
    }

    // ----------------------------------------------------------------- snapshots

    /**
     * Captures the learner's state now and asks the monitor for its state, which reflects every batch
     * reported before this request; the two are combined and written when the monitor answers.
     */
    private void requestSnapshot(String reason, List<ActorRef<ControlReply>> replyTo, boolean thenFinish) {
        appliedSinceSnapshot = 0;
        Snapshot partial = new Snapshot(ModelStore.PROJECT_VERSION, configJson, model.exportWeights(version),
                step.decoderOptimizer().exportState(),
                step.encoderOptimizer() == null ? null : step.encoderOptimizer().exportState(), params.lambda(),
                lambdaHistory, nextApply, null, System.currentTimeMillis(), reason);
        getContext().ask(MonitorState.class, monitor, MONITOR_TIMEOUT, MonitorCommand.GetState::new,
                (state, failure) -> new MonitorStateReady(partial, state, failure, replyTo, thenFinish));
    }

    private Behavior<LearnerCommand> onMonitorState(MonitorStateReady m) {
        String written = null;
        String error = null;
        if (m.failure() != null) {
            error = "the monitor did not answer: " + m.failure().getMessage();
        } else if (settings.runDir() != null) {
            Snapshot p = m.partial();
            Snapshot s = new Snapshot(p.projectVersion(), p.configJson(), p.weights(), p.decoderAdam(), p.encoderAdam(),
                    p.lambda(), p.lambdaHistory(), p.nextSeq(), m.state(), p.createdEpochMillis(), p.reason());
            try {
                lastSnapshot = SnapshotFiles.write(settings.runDir(), s);
                lastSnapshotMillis = s.createdEpochMillis();
                lastSnapshotReason = s.reason();
                written = lastSnapshot.toString();
            } catch (Exception e) {
                error = "could not write the snapshot: " + e.getMessage();
            }
        }
        for (var r : m.replyTo()) {
            r.tell(error == null ? new ControlReply.Accepted(written == null ? "no run folder" : "snapshot " + written)
                    : new ControlReply.Rejected(error));
        }
        if (error != null) {
            getContext().getLog().error(error);
        }
        if (m.thenFinish()) {
            outcome.complete(new RunOutcome(finishStatus, finishMessage, m.state(), lastSnapshot, applied));
            queue.cancel();
            return Behaviors.stopped();
        }
        return this;
    }

    private Behavior<LearnerCommand> fail(String message) {
        getContext().getLog().error(message);
        queue.cancel();
        outcome.complete(new RunOutcome(RunOutcome.Status.FAILED, message, null, lastSnapshot, applied));
        return Behaviors.stopped();
    }

    private final String configJson; // the configuration, for workers that hold no model yet and for snapshots

    private String configJson() {
        try {
            return Json.mapper().writeValueAsString(settings.config());
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the configuration as JSON", e);
        }
    }
}
