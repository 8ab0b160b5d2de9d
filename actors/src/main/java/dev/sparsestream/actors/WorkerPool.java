package dev.sparsestream.actors;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The learner's inference workers: which are known, the weight version each holds, which are idle and
 * the batches each works on. A worker is sent weights just before a batch that needs them, so joining late
 * or restarting costs one weight message. Plain bookkeeping, tested without an actor system.
 *
 * <p>A worker may be given up to its depth of batches at once: one for a worker on the learner's node, two for
 * one on another node, so that the next batch (and its weights) travels while it computes the current one and
 * a lone remote worker is never left waiting for the learner. An idle worker is always given a batch before a
 * busy one is given a second.
 *
 * @param <W> a worker's address (an {@code ActorRef} in the learner)
 */
final class WorkerPool<W> {
    /** The version a worker holds before it has been sent the model. */
    static final long NO_MODEL = -1;

    private final ToIntFunction<W> depth;
    private final Map<W, Long> holds = new HashMap<>();      // known worker -> weight version it holds
    private final Set<W> idle = new LinkedHashSet<>();       // known workers with nothing to do, oldest first
    private final Map<W, ArrayDeque<Long>> assigned = new LinkedHashMap<>(); // worker -> its batches' seqs, in order
    private Set<W> listed = Set.of();                        // the receptionist's last listing

    /** Every worker takes one batch at a time. */
    WorkerPool() {
        this(w -> 1);
    }

    /** @param depth how many batches a worker may hold at once (at least 1) */
    WorkerPool(ToIntFunction<W> depth) {
        this.depth = depth;
    }

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

    /** Whether a worker can take a batch: an idle one, or a busy one below its depth. */
    boolean hasIdle() {
        return !idle.isEmpty() || withRoom() != null;
    }

    private W withRoom() {
        for (var e : assigned.entrySet()) {
            if (e.getValue().size() < Math.max(1, depth.applyAsInt(e.getKey()))) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * A known worker restarted: it holds no model now and is idle.
     *
     * @return the seqs of the batches it held, lost with it, in order (empty: none)
     */
    List<Long> restarted(W worker) {
        List<Long> lost = lost(assigned.remove(worker));
        holds.put(worker, NO_MODEL);
        idle.add(worker);
        return lost;
    }

    /**
     * Removes a worker (stopped, or its node unreachable).
     *
     * @return the seqs of the batches it held, in order (empty: none, also when it was not known)
     */
    List<Long> leave(W worker) {
        if (holds.remove(worker) == null) {
            return List.of();
        }
        idle.remove(worker);
        return lost(assigned.remove(worker));
    }

    private static List<Long> lost(ArrayDeque<Long> seqs) {
        return seqs == null ? List.of() : List.copyOf(seqs);
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

    /**
     * The idle worker waiting longest, else the busy worker with room busy longest; the pool must have one
     * ({@link #hasIdle}).
     */
    W takeIdle() {
        if (!idle.isEmpty()) {
            W w = idle.iterator().next();
            idle.remove(w);
            return w;
        }
        W w = withRoom();
        if (w == null) {
            throw new IllegalStateException("no worker can take a batch");
        }
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
        assigned.computeIfAbsent(worker, w -> new ArrayDeque<>()).addLast(seq);
        return held;
    }

    /** The weight version {@code worker} holds ({@link #NO_MODEL}: none). */
    long holds(W worker) {
        Long held = holds.get(worker);
        if (held == null) {
            throw new IllegalArgumentException("worker " + worker + " is not in the pool");
        }
        return held;
    }

    /** {@code worker} answered for batch {@code seq}: idle again, unless it has since been given another batch. */
    void answered(W worker, long seq) {
        if (!holds.containsKey(worker)) {
            return;
        }
        ArrayDeque<Long> mine = assigned.get(worker);
        if (mine != null) {
            mine.remove(seq);
            if (mine.isEmpty()) {
                assigned.remove(worker);
            }
        }
        if (!assigned.containsKey(worker)) {
            idle.add(worker);
        }
    }
}
