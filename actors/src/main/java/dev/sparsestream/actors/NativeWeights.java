package dev.sparsestream.actors;

import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.WorkerCommand;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The learner's weight versions in the device's memory, lent to the workers of its own node: a version is
 * copied once, model to slot, and each local worker copies it, slot to model, without a Java array between
 * them. Why: a {@link dev.sparsestream.core.model.Weights} message is a fresh 0.9 MB of arrays (VDL) per
 * version, and allocating that much per batch costs the learner more than the copy itself (the heap keeps
 * touching new pages). Workers on other nodes are still sent {@code Weights}.
 *
 * <p>A slot is counted: one reference for the learner while it is the current version, one for each worker
 * it is lent to until that worker has copied it. The learner writes a slot only when it takes it from the
 * free list, so a slot is never written while a worker reads it. A worker that fails before it copies one
 * keeps that slot from the free list (the list then makes another): one model's memory per failure.
 */
public final class NativeWeights {

    /** A version lent to a local worker, sent in place of {@code UpdateWeights}; never leaves the node. */
    public record Lent(Version weights) implements WorkerCommand.Local {
    }

    /** One version's copy; read-only for the workers it is lent to. */
    public static final class Version {
        private final long version;
        private final SparseAutoencoder slot;
        private final Queue<SparseAutoencoder> free;
        private final AtomicInteger refs = new AtomicInteger(1); // the learner's, while current

        private Version(long version, SparseAutoencoder slot, Queue<SparseAutoencoder> free) {
            this.version = version;
            this.slot = slot;
            this.free = free;
        }

        public long version() {
            return version;
        }

        /** A worker copies this version into its own model (same configuration) and lets go of it. */
        public void copyTo(SparseAutoencoder model) {
            try {
                model.copyFrom(slot);
            } finally {
                release();
            }
        }

        /** Lets go of this version without reading it (a worker that holds a newer one). */
        public void release() {
            if (refs.decrementAndGet() == 0) {
                free.add(slot);
            }
        }

        int references() {
            return refs.get();
        }
    }

    private final Queue<SparseAutoencoder> free = new ConcurrentLinkedQueue<>(); // workers return slots here
    private Version current;  // the learner's

    /**
     * The learner's model at {@code version}, copied into a slot once per version, lent to one more worker. Always
     * the same model (one learner's), so every slot has its shapes.
     */
    Lent lend(SparseAutoencoder model, long version) {
        if (current == null || current.version != version) {
            SparseAutoencoder slot = free.poll();
            if (slot == null) {
                slot = model.copy();
            } else {
                slot.copyFrom(model);
            }
            if (current != null) {
                current.release();
            }
            current = new Version(version, slot, free);
        }
        current.refs.incrementAndGet();
        return new Lent(current);
    }

    /** Slots on the free list now (for tests). */
    int free() {
        return free.size();
    }
}
