package dev.sparsestream.actors;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.protocol.Batch;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pixels of the batches in flight, copied once into the device's memory, where a run's learner and
 * the workers of its own node read them: a batch is copied when it is first sent out and the slot is
 * reused after the batch is applied. Without it each worker and the learner would copy every batch into
 * buffers of their own (products read native memory, a message holds a Java array).
 *
 * <p>Only the learner writes: {@link #hold} before the batch is sent, {@link #release} once it is applied,
 * and no worker reads a batch after its codes came back, so a slot is never written while it is read.
 * Workers find a batch by its seq and the identity of the {@link Batch} object, so a batch that came over
 * the network (a copy) or belongs to another run is never mistaken for one held here; they copy it into
 * their own buffer instead.
 */
public final class NativeBatches {
    private record Held(Batch batch, Matrix pixels) {
    }

    private final Device device;
    private final Map<Long, Held> held = new ConcurrentHashMap<>();
    private final ArrayDeque<Matrix> free = new ArrayDeque<>(); // the learner's alone

    public NativeBatches(Device device) {
        this.device = device;
    }

    /** The batch's pixels (rows, dim), copied in now unless it is held already (a batch sent again). */
    Matrix hold(Batch b) {
        Held h = held.get(b.seq());
        if (h != null && h.batch() == b) {
            return h.pixels();
        }
        Matrix m = free.pollFirst();
        if (m == null || m.rows() != b.rows() || m.cols() != b.dim()) {
            m = device.zeros(b.rows(), b.dim());
        }
        m.data().put(0, b.data());
        held.put(b.seq(), new Held(b, m));
        return m;
    }

    /**
     * The pixels of this very batch if it is held here, else null (the caller copies it). Read-only: the
     * matrix stays the learner's.
     */
    public Matrix find(Batch b) {
        Held h = held.get(b.seq());
        return h != null && h.batch() == b ? h.pixels() : null;
    }

    /** The batch was applied: its slot is free for a later batch. */
    void release(Batch b) {
        Held h = held.get(b.seq());
        if (h != null && h.batch() == b) {
            held.remove(b.seq());
            free.addLast(h.pixels());
        }
    }

    /** Batches held now. */
    int size() {
        return held.size();
    }
}
