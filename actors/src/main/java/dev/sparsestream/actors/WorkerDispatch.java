package dev.sparsestream.actors;

import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.WorkerCommand;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The learner's side of its workers: finds them through the receptionist (on any node), watches them,
 * sends each batch the window allows to an idle one (with the model or the weights it lacks first), and
 * puts back the batch a restarted or lost worker held. Runs inside the learner, on its context.
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
    private final WorkerPool<ActorRef<WorkerCommand>> pool = new WorkerPool<>();

    WorkerDispatch(ActorContext<LearnerCommand> ctx, ServiceKey<WorkerCommand> key, LearnerState state,
                   InFlightWindow<ActorRef<WorkerCommand>> window, ActorRef<MonitorCommand> monitor) {
        this.ctx = ctx;
        this.state = state;
        this.window = window;
        this.monitor = monitor;
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
            var d = window.send(state.params(), state.version(), worker);
            state.sending(d.batch().seq()).ifPresent(c -> monitor.tell(new MonitorCommand.LambdaChanged(c)));
            long held = pool.assign(worker, d.batch().seq(), state.version());
            if (held == WorkerPool.NO_MODEL) {
                worker.tell(new WorkerCommand.Configure(state.configJson(), state.weights()));
            } else if (held != state.version() && isLocal(worker)) {
                worker.tell(state.lendWeights());
            } else if (held != state.version()) {
                worker.tell(new WorkerCommand.UpdateWeights(state.weights()));
            }
            worker.tell(new WorkerCommand.InferBatch(d.batch(), d.params(), d.version(),
                    ctx.getSelf()));
        }
    }

    /** A worker in this JVM (its address has no host): it can read the learner's memory. */
    private static boolean isLocal(ActorRef<WorkerCommand> worker) {
        return worker.path().address().hasLocalScope();
    }

    /** Codes from a worker go to the window; from one that left the pool they are dropped (its batch went on). */
    void received(CodesComputed c) {
        if (pool.contains(c.worker())) {
            pool.answered(c.worker(), c.seq());
            window.complete(c, c.worker());
        }
    }

    /** A worker (re)started: it holds no model, and the batch it had, if any, is lost. */
    void ready(ActorRef<WorkerCommand> worker) {
        if (pool.contains(worker)) {
            requeue(worker, pool.restarted(worker), "restarted");
        } else {
            pool.join(worker);
            watch(worker);
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
            ctx.unwatch(worker);
            Long lost = pool.leave(worker);
            ctx.getLog().info("worker {} {}; {} worker(s) left", worker.path(), why, pool.size());
            requeue(worker, lost, why);
        }
    }

    private void watch(ActorRef<WorkerCommand> worker) {
        ctx.getLog().info("worker {} joined the pool", worker.path());
        ctx.watchWith(worker, new WorkerGone(worker));
    }

    private void requeue(ActorRef<WorkerCommand> worker, Long lost, String what) {
        if (lost != null) {
            ctx.getLog().warn("worker {} {}: batch {} is inferred again", worker.path(), what, lost);
            window.requeue(lost);
        }
    }
}
