package dev.sparsestream.actors;

import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.WorkerCommand;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The learner's side of its workers: finds them through the receptionist (on any node), watches them,
 * sends each batch the window allows to an idle one (with the model or the weights it lacks first), and
 * puts back the batch a restarted or lost worker held. Runs inside the learner, on its context.
 *
 * <p>What a worker on another node costs the learner's node is what it must serialise and send, so such a worker
 * is sent new weights only when the version it holds is older than the staleness bound allows for the batch
 * ({@link InFlightWindow#oldestUsableVersion}), and, once it has read the run's training set itself
 * ({@link LearnerCommand.DataRead}), a batch's rows instead of its pixels; versions and batches go on its
 * {@link WorkerChannel} once it has connected to it, and its codes come back there. Workers on the learner's node are lent every version,
 * in place.
 */
final class WorkerDispatch {
    /** A worker stopped or its node left (Pekko's death watch); never sent by anyone else. */
    record WorkerGone(ActorRef<WorkerCommand> worker) implements LearnerCommand.Local {
    }

    /** The receptionist's current list of the pool's reachable workers. */
    record WorkersListed(Set<ActorRef<WorkerCommand>> workers) implements LearnerCommand.Local {
    }

    private final ActorContext<LearnerCommand> ctx;
    private final LearnerState state;
    private final InFlightWindow<ActorRef<WorkerCommand>> window;
    private final ActorRef<MonitorCommand> monitor;
    /** Batches a worker on another node holds at once: the next travels while it computes the current one. */
    static final int REMOTE_DEPTH = 2;

    private final WorkerPool<ActorRef<WorkerCommand>> pool = new WorkerPool<>(w -> isLocal(w) ? 1 : REMOTE_DEPTH);
    private final WorkerCommand.TrainingRows trainingRows; // offered to remote workers; null: none
    private final Set<ActorRef<WorkerCommand>> readTrainingSet = new java.util.HashSet<>(); // sent rows, not pixels
    private final java.util.Map<Long, Long> sentRemote = new java.util.HashMap<>(); // seq -> System.nanoTime() sent
    private final WorkerChannel channel; // weights to remote workers off Artery, where this node offers it

    /** @param trainingRows the training set offered to workers on other nodes, or null to send them pixels */
    WorkerDispatch(ActorContext<LearnerCommand> ctx, ServiceKey<WorkerCommand> key, LearnerState state,
                   InFlightWindow<ActorRef<WorkerCommand>> window, ActorRef<MonitorCommand> monitor,
                   WorkerCommand.TrainingRows trainingRows) {
        this.ctx = ctx;
        this.state = state;
        this.window = window;
        this.monitor = monitor;
        this.trainingRows = trainingRows;
        this.channel = WorkerChannel.get(ctx.getSystem());
        ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class,
                l -> new WorkersListed(l.getServiceInstances(key))); // reachable ones only
        ctx.getSystem().receptionist().tell(Receptionist.subscribe(key, listings));
    }

    int workers() {
        return pool.size();
    }

    /** Sends out pending batches while the window has room and a worker is idle. */
    void send() {
        while (window.canSend() && pool.hasIdle()) {
            var worker = pool.takeIdle();
            boolean local = isLocal(worker);
            long held = pool.holds(worker);
            long version = state.version();
            // A remote worker keeps the version it holds while the bound allows it for this batch.
            boolean current = held == version || !local && held != WorkerPool.NO_MODEL
                    && held >= window.oldestUsableVersion(version);
            long inferWith = current ? held : version;
            var d = window.send(state.params(), inferWith, worker);
            state.sending(d.batch().seq()).ifPresent(c -> monitor.tell(new MonitorCommand.LambdaChanged(c)));
            pool.assign(worker, d.batch().seq(), inferWith);
            if (held == WorkerPool.NO_MODEL) {
                worker.tell(new WorkerCommand.Configure(state.configJson(), state.weights(),
                        local ? null : trainingRows, ctx.getSelf(), local ? null : channel.offer(worker, ctx.getSelf())));
            } else if (!current && local) {
                worker.tell(state.lendWeights());
            } else if (!current) {
                send(worker, new WorkerCommand.UpdateWeights(state.weights()));
            }
            if (!local) {
                sentRemote.put(d.batch().seq(), System.nanoTime());
            }
            int[] rows = d.batch().sampleIndices();
            if (rows != null && readTrainingSet.contains(worker)) {
                send(worker, new WorkerCommand.InferRows(d.batch().seq(), rows, d.params(), d.version(), ctx.getSelf()));
            } else {
                send(worker, new WorkerCommand.InferBatch(d.batch(), d.params(), d.version(), ctx.getSelf()));
            }
        }
    }

    /** On the worker's channel when it is connected to it, else over Artery. */
    private void send(ActorRef<WorkerCommand> worker, WorkerCommand m) {
        if (isLocal(worker) || !channel.send(worker, m)) {
            worker.tell(m);
        }
    }

    /** A worker in this JVM (its address has no host): it can read the learner's memory. */
    private static boolean isLocal(ActorRef<WorkerCommand> worker) {
        return worker.path().address().hasLocalScope();
    }

    /** Codes from a worker go to the window; from one that left the pool they are dropped (its batch went on). */
    void received(CodesComputed c) {
        Long sent = sentRemote.remove(c.seq());
        if (sent != null && c.inferenceMillis() > 0) {
            RemoteRoundTrips.add((System.nanoTime() - sent) / 1e6, c.inferenceMillis());
        }
        if (pool.contains(c.worker())) {
            pool.answered(c.worker(), c.seq());
            window.complete(c, c.worker());
        }
    }

    /** A remote worker's answer to the training set offered with its model. */
    void dataRead(LearnerCommand.DataRead m) {
        if (!pool.contains(m.worker())) {
            return;
        }
        if (m.problem() == null) {
            readTrainingSet.add(m.worker());
            ctx.getLog().info("worker {} reads the training set on its node: it is sent each batch's rows, not its "
                    + "pixels", m.worker().path());
        } else {
            readTrainingSet.remove(m.worker());
            ctx.getLog().warn("worker {} cannot read the training set on its node, so it is sent pixels: {}",
                    m.worker().path(), m.problem());
        }
    }

    /** A worker (re)started: it holds no model, and the batch it had, if any, is lost. */
    void ready(ActorRef<WorkerCommand> worker) {
        readTrainingSet.remove(worker); // told again with the model it is sent
        if (pool.contains(worker)) {
            requeue(worker, pool.restarted(worker), "restarted");
        } else {
            pool.join(worker);
            watch(worker);
        }
    }

    /** A worker's channel broke: what was on it may be lost, so the worker is taken as one that restarted. */
    void channelBroke(WorkerChannel.Broke m) {
        if (pool.contains(m.worker())) {
            readTrainingSet.remove(m.worker());
            requeue(m.worker(), pool.restarted(m.worker()), "lost its channel");
        }
    }

    /** Unreachable or stopped workers leave now, not when their node is downed; a returning one comes back new. */
    void listed(WorkersListed m) {
        var change = pool.relist(m.workers());
        change.joined().forEach(this::watch);
        change.gone().forEach(w -> gone(w, "is no longer listed (stopped or unreachable)"));
    }

    void gone(ActorRef<WorkerCommand> worker, String why) {
        if (pool.contains(worker)) {
            readTrainingSet.remove(worker);
            channel.forget(worker);
            ctx.unwatch(worker);
            List<Long> lost = pool.leave(worker);
            ctx.getLog().info("worker {} {}; {} worker(s) left", worker.path(), why, pool.size());
            requeue(worker, lost, why);
        }
    }

    /** The learner stops: the channels it offered end in order (its workers go on over Artery for the next). */
    void closeChannels() {
        channel.forgetLearner(ctx.getSelf());
    }

    private void watch(ActorRef<WorkerCommand> worker) {
        ctx.getLog().info("worker {} joined the pool", worker.path());
        ctx.watchWith(worker, new WorkerGone(worker));
    }

    private void requeue(ActorRef<WorkerCommand> worker, List<Long> lost, String what) {
        if (!lost.isEmpty()) {
            ctx.getLog().warn("worker {} {}: batch(es) {} inferred again", worker.path(), what, lost);
            for (int i = lost.size() - 1; i >= 0; i--) { // each to the front of the queue: the first ends first
                sentRemote.remove(lost.get(i));
                window.requeue(lost.get(i));
            }
        }
    }
}
