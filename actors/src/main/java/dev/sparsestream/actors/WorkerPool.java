package dev.sparsestream.actors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The learner's inference workers: which are known, the weight version each holds, which are idle and
 * the batch each works on. A worker is sent weights just before a batch that needs them, so joining late
 * or restarting costs one weight message. Plain bookkeeping, tested without an actor system.
 *
 * @param <W> a worker's address (an {@code ActorRef} in the learner)
 */
final class WorkerPool<W> {
    /** The version a worker holds before it has been sent the model. */
    static final long NO_MODEL = -1;

    private final Map<W, Long> holds = new HashMap<>();      // known worker -> weight version it holds
    private final Set<W> idle = new LinkedHashSet<>();       // known workers with nothing to do, oldest first
    private final Map<W, Long> assigned = new HashMap<>();   // worker -> its batch's seq
    private Set<W> listed = Set.of();                        // the receptionist's last listing

    /** Adds a worker that holds no model yet; false if it was already known. */
    boolean join(W worker) {
        if (holds.containsKey(worker)) {
            return false;
        }
        holds.put(worker, NO_MODEL);
        idle.add(worker);
        return true;
    }

    boolean contains(W worker) {
        return holds.containsKey(worker);
    }

    int size() {
        return holds.size();
    }

    boolean hasIdle() {
        return !idle.isEmpty();
    }

    /**
     * A known worker restarted: it holds no model now and is idle.
     *
     * @return the seq of the batch it was working on, lost with it, or null
     */
    Long restarted(W worker) {
        Long lost = assigned.remove(worker);
        holds.put(worker, NO_MODEL);
        idle.add(worker);
        return lost;
    }

    /**
     * Removes a worker (stopped, or its node unreachable).
     *
     * @return the seq of the batch it was working on, or null (also when it was not known)
     */
    Long leave(W worker) {
        if (holds.remove(worker) == null) {
            return null;
        }
        idle.remove(worker);
        return assigned.remove(worker);
    }

    /**
     * The receptionist's new listing of reachable workers: those not known join (and are returned in
     * {@code joined}); those listed before but not now are returned in {@code gone}, still members, for
     * the caller to {@link #leave}.
     */
    Relisting<W> relist(Set<W> workers) {
        List<W> joined = new ArrayList<>();
        for (W w : workers) {
            if (join(w)) {
                joined.add(w);
            }
        }
        List<W> gone = new ArrayList<>();
        for (W w : listed) {
            if (!workers.contains(w) && holds.containsKey(w)) {
                gone.add(w);
            }
        }
        listed = Set.copyOf(workers);
        return new Relisting<>(joined, gone);
    }

    record Relisting<T>(List<T> joined, List<T> gone) {
    }

    /** The idle worker waiting longest; the pool must have one ({@link #hasIdle}). */
    W takeIdle() {
        W w = idle.iterator().next();
        idle.remove(w);
        return w;
    }

    /**
     * Records that {@code worker} (taken with {@link #takeIdle}) works on batch {@code seq} with weight
     * version {@code version}, which it will hold from now on.
     *
     * @return the version it held before ({@link #NO_MODEL}: it must be sent the model first)
     */
    long assign(W worker, long seq, long version) {
        if (!holds.containsKey(worker)) {
            throw new IllegalArgumentException("worker " + worker + " is not in the pool");
        }
        long held = holds.put(worker, version);
        idle.remove(worker);
        assigned.put(worker, seq);
        return held;
    }

    /** {@code worker} answered for batch {@code seq}: idle again, unless it has since been given another batch. */
    void answered(W worker, long seq) {
        if (!holds.containsKey(worker)) {
            return;
        }
        Long mine = assigned.get(worker);
        if (mine != null && mine == seq) {
            assigned.remove(worker);
        }
        if (!assigned.containsKey(worker)) {
            idle.add(worker);
        }
    }
}
