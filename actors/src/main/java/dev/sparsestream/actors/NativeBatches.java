package dev.sparsestream.actors;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.protocol.Batch;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The batches in flight in the device's memory, where a run's learner and the workers of its own node
 * read them: a batch's pixels are copied in once, by the data source's stream as it makes the batch (on
 * its own thread, while FISTA runs on another), and a local worker leaves its codes and encoder pass in the
 * same slot for the learner's update. The slot is reused after the batch is applied. Without it each
 * worker and the learner would copy every batch, and each batch's codes, through fresh Java arrays
 * (products read native memory, a message holds a Java array).
 *
 * <p>Who writes what, and when: the source writes the pixels before the batch reaches the learner; a worker
 * writes the codes and pass before its reply, which the learner reads after it; the learner frees the slot
 * once the batch is applied. A slot is never written while it is read. Batches are found by seq and the
 * identity of the {@link Batch} object, so a batch that came over the network (a copy) or belongs to another
 * run is never mistaken for one held here; workers copy such a batch into their own buffer and send their
 * codes in the message.
 */
public final class NativeBatches {

    /** One batch's memory: its pixels (rows, dim), and the codes (rows, l) and encoder pass a local worker left. */
    public static final class Slot {
        private final Matrix pixels;
        private Matrix codes;     // kept with the slot for reuse
        private Matrix pass;
        private boolean hasCodes; // of this batch
        private boolean hasPass;
        private Batch batch;

        private Slot(Matrix pixels) {
            this.pixels = pixels;
        }

        /** Read-only: the pixels stay the source's. */
        Matrix pixels() {
            return pixels;
        }

        /** A worker leaves its codes here (copied; the worker's buffer is its own). */
        void keepCodes(Matrix z) {
            if (codes == null || codes.rows() != z.rows() || codes.cols() != z.cols()) {
                codes = z.device().zeros(z.rows(), z.cols());
            }
            codes.copyFrom(z);
            hasCodes = true;
        }

        /** Room for an encoder pass of {@code size} values, which the worker then writes; 0: the model has none. */
        Matrix passBuffer(int size) {
            hasPass = size > 0;
            if (hasPass && (pass == null || pass.size() != size)) {
                pass = pixels.device().zeros(1, size);
            }
            return hasPass ? pass : null;
        }

        /** The codes a worker left, for the learner; null if none did. */
        Matrix codes() {
            return hasCodes ? codes : null;
        }

        /** The encoder pass a worker left with its codes; null for a model without an encoder. */
        Matrix pass() {
            return hasPass ? pass : null;
        }
    }

    private final Device device;
    private final Map<Long, Slot> held = new ConcurrentHashMap<>();
    private final Queue<Slot> free = new ConcurrentLinkedQueue<>(); // freed by the learner, taken by the source

    public NativeBatches(Device device) {
        this.device = device;
    }

    /** The batch's slot, its pixels copied in now unless this very batch is held already. */
    Slot hold(Batch b) {
        Slot h = held.get(b.seq());
        if (h != null && h.batch == b) {
            return h;
        }
        Slot s = free.poll();
        if (s == null || s.pixels.rows() != b.rows() || s.pixels.cols() != b.dim()) {
            s = new Slot(device.zeros(b.rows(), b.dim()));
        }
        s.pixels.data().put(0, b.data());
        s.hasCodes = false;
        s.hasPass = false;
        s.batch = b;
        held.put(b.seq(), s);
        return s;
    }

    /** The slot of this very batch if it is held here, else null (the caller copies it). */
    public Slot find(Batch b) {
        Slot h = held.get(b.seq());
        return h != null && h.batch == b ? h : null;
    }

    /**
     * The batch was applied: its slot is free for a later batch. (Batches a stop drops before they are sent keep
     * their slots until the run, and this object with it, ends.)
     */
    void release(Batch b) {
        Slot h = held.get(b.seq());
        if (h != null && h.batch == b) {
            held.remove(b.seq());
            h.batch = null;
            free.add(h);
        }
    }

    /** Batches held now. */
    int size() {
        return held.size();
    }
}
