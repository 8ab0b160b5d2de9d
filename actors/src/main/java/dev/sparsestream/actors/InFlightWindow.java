package dev.sparsestream.actors;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The batches between the data source and the learner's update, and the staleness rule.
 *
 * <p>A batch waits for a worker (pending), is inferred (in flight, with the weight version v it was sent
 * with), then waits for the batches before it (inferred). Batches are applied strictly in order, one weight
 * version each; codes applied at version v' are used only when v' - v <= K, the staleness bound, and
 * inferred again otherwise (this only happens after a retry). At most {@code capacity} (K + 1, fewer when
 * there are fewer workers) are in flight or inferred at once: every batch sent out is then applied at most
 * K versions after the version it was sent with. Plain bookkeeping, tested without an actor system.
 *
 * @param <W> a worker's address
 */
final class InFlightWindow<W> {
    /** A batch sent to a worker with the FISTA parameters and weight version it is inferred with. */
    record Dispatch<T>(Batch batch, FistaParams params, long version, T worker) {
    }

    /** A dispatched batch and its codes, ready to be applied in its turn. */
    record Inferred<T>(Dispatch<T> dispatch, CodesComputed codes) {
    }

    private final int capacity;
    private final int maxStaleness;
    private final Deque<Batch> pending = new ArrayDeque<>();
    private final Map<Long, Dispatch<W>> inFlight = new HashMap<>();
    private final TreeMap<Long, Inferred<W>> inferred = new TreeMap<>(); // by seq, waiting for their turn
    private long nextApply;

    /**
     * @param capacity     batches in flight or inferred at once (>= 1)
     * @param maxStaleness K, the staleness bound (>= 0)
     * @param nextApply    the seq of the first batch to apply (a resumed run's data cursor)
     */
    InFlightWindow(int capacity, int maxStaleness, long nextApply) {
        if (capacity < 1 || maxStaleness < 0) {
            throw new IllegalArgumentException("capacity " + capacity + " and staleness bound " + maxStaleness
                    + ": need capacity >= 1 and bound >= 0");
        }
        this.capacity = capacity;
        this.maxStaleness = maxStaleness;
        this.nextApply = nextApply;
    }

    /** The seq of the next batch to apply. */
    long nextApply() {
        return nextApply;
    }

    int inFlight() {
        return inFlight.size();
    }

    /** Nothing pending, in flight or waiting to be applied. */
    boolean isEmpty() {
        return pending.isEmpty() && inFlight.isEmpty() && inferred.isEmpty();
    }

    /** Whether the source should make one more batch: one is kept ready beyond the capacity. */
    boolean wantsMore() {
        return pending.size() + inFlight.size() + inferred.size() <= capacity;
    }

    /** A batch from the source; one before the cursor (a resumed source may start earlier) is dropped. */
    void offer(Batch b) {
        if (b.seq() >= nextApply) {
            pending.addLast(b);
        }
    }

    /** Forgets the batches not yet sent out (a stop). */
    void dropPending() {
        pending.clear();
    }

    /** A pending batch may be sent out now without breaking the staleness bound. */
    boolean canSend() {
        return !pending.isEmpty() && inFlight.size() + inferred.size() < capacity;
    }

    /**
     * The oldest weight version the first pending batch may be inferred with ({@link #canSend} must hold): it is
     * applied at {@code version + (seq - nextApply)}, one version per batch before it, so codes of any version from
     * K before that on are used. A worker holding such a version need not be sent newer weights.
     */
    long oldestUsableVersion(long version) {
        Batch b = pending.peekFirst();
        if (b == null) {
            throw new IllegalStateException("no batch to send");
        }
        return version + (b.seq() - nextApply) - maxStaleness;
    }

    /**
     * Sends the first pending batch ({@link #canSend} must hold) to {@code worker}.
     *
     * @return the dispatch
     */
    Dispatch<W> send(FistaParams params, long version, W worker) {
        Batch b = pending.pollFirst();
        if (b == null) {
            throw new IllegalStateException("no batch to send");
        }
        Dispatch<W> d = new Dispatch<>(b, params, version, worker);
        inFlight.put(b.seq(), d);
        return d;
    }

    /** The batch in flight as {@code seq} was lost with its worker: back to the front of the queue. */
    void requeue(long seq) {
        Dispatch<W> d = inFlight.remove(seq);
        if (d != null) {
            pending.addFirst(d.batch());
        }
    }

    /**
     * Codes from a worker: kept for their turn if the batch is in flight with that worker, else (a late
     * answer for a batch given to another worker since) ignored, so a batch is applied once.
     *
     * @return whether they were kept
     */
    boolean complete(CodesComputed codes, W worker) {
        Dispatch<W> d = inFlight.get(codes.seq());
        if (d == null || !d.worker().equals(worker)) {
            return false;
        }
        inFlight.remove(codes.seq());
        inferred.put(codes.seq(), new Inferred<>(d, codes));
        return true;
    }

    /**
     * The next batch in order, to be applied at weight version {@code version}, and the cursor moves past it;
     * null if it is not inferred yet, or if its codes are more than K versions old (it goes back to the front
     * of the queue, to be inferred again with the current weights).
     */
    Inferred<W> takeNext(long version) {
        Inferred<W> r = inferred.get(nextApply);
        if (r == null) {
            return null;
        }
        inferred.remove(nextApply);
        if (version - r.codes().weightsVersion() > maxStaleness) {
            pending.addFirst(r.dispatch().batch());
            return null;
        }
        nextApply++;
        return r;
    }
}
