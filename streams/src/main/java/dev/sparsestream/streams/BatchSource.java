package dev.sparsestream.streams;

import dev.sparsestream.core.data.BatchOrder;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.protocol.Batch;
import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The training data as a stream of minibatches, epoch after epoch, in exactly the order the sequential
 * {@code Trainer} visits them, so a streaming run and a sequential run with the same seed see the same
 * samples in the same batches.
 *
 * <p>The order is the trainer's: {@code new BatchOrder(data.size(), batchSize, seed)}, epoch {@code e}
 * (1-based) uses {@code permutation(e - 1)}, and batch {@code b} of it holds rows
 * {@code perm[b*batchSize .. (b+1)*batchSize)}; the last incomplete batch of every epoch is dropped.
 * Batch numbers run over the whole run: {@code seq = (epoch - 1) * batchesPerEpoch + index}.
 *
 * <p>Batches are built only when downstream demands one ({@link Source#fromIterator}), so at most one
 * permutation ({@code n} ints) and the batches in flight are alive however many epochs the stream runs;
 * the permutation is computed once per epoch, when that epoch's first batch is demanded. Every
 * materialisation starts afresh at {@code startSeq}.
 */
public final class BatchSource {

    /**
     * What the source does, for tests that count work: which permutations it computed and which batches
     * it built. Called on the stream's thread, once per event.
     */
    interface Trace {
        /** The permutation of 1-based {@code epoch} was computed. */
        void permutation(int epoch);

        /** Batch {@code seq} was built (demanded by downstream). */
        void batch(long seq);
    }

    private static final Trace NO_TRACE = new Trace() {
        @Override
        public void permutation(int epoch) {
        }

        @Override
        public void batch(long seq) {
        }
    };

    private BatchSource() {
    }

    /**
     * @param data      the training data, already normalised; rows are copied, never modified
     * @param batchSize samples per batch, 1..data.size()
     * @param seed      the run's seed (the trainer's {@code config.seed()})
     * @param startSeq  the first batch to emit, 0 for a fresh run; a resumed run passes the seq of the
     *                  first batch it has not applied; must be &lt; {@code epochs * batchesPerEpoch}
     * @param epochs    the stream completes after the last batch of this epoch (1-based), &gt;= 1
     * @return a source of batches {@code startSeq, startSeq + 1, ..., epochs * batchesPerEpoch - 1}, each
     *         with its own freshly allocated {@code (batchSize, data.dim())} array (and pixel scales, when the
     *         data has {@link dev.sparsestream.core.data.PixelMaps})
     * @throws IllegalArgumentException if an argument is out of range (the message names it and the range)
     */
    public static Source<Batch, NotUsed> of(Dataset data, int batchSize, long seed, long startSeq, int epochs) {
        return of(data, batchSize, seed, startSeq, epochs, NO_TRACE);
    }

    /** As {@link #of(Dataset, int, long, long, int)}, reporting its work to {@code trace} (for tests). */
    static Source<Batch, NotUsed> of(Dataset data, int batchSize, long seed, long startSeq, int epochs, Trace trace) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(trace, "trace");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (batchSize > data.size()) {
            throw new IllegalArgumentException("batch size " + batchSize + " is larger than the data (" + data
                    + " has " + data.size() + " samples): an epoch would have no complete batch");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        int batchesPerEpoch = data.size() / batchSize;
        long total = (long) epochs * batchesPerEpoch;
        if (startSeq < 0 || startSeq >= total) {
            throw new IllegalArgumentException("startSeq " + startSeq + " is out of range: " + epochs + " epochs of "
                    + batchesPerEpoch + " batches have seq 0.." + (total - 1));
        }
        // Validated here, at construction, so errors surface to the caller and not as a stream failure.
        BatchOrder order = new BatchOrder(data.size(), batchSize, seed);
        return Source.fromIterator(() -> new Batches(data, order, startSeq, total, trace));
    }

    /** One materialisation's position in the run; holds the current epoch's permutation only. */
    private static final class Batches implements Iterator<Batch> {
        private final Dataset data;
        private final BatchOrder order;
        private final int batchesPerEpoch;
        private final long total;
        private final Trace trace;
        private long next;
        /** Permutation of {@code permEpoch} (1-based), or null before the first batch. */
        private int[] perm;
        private int permEpoch;

        Batches(Dataset data, BatchOrder order, long startSeq, long total, Trace trace) {
            this.data = data;
            this.order = order;
            this.batchesPerEpoch = order.batchesPerEpoch();
            this.total = total;
            this.trace = trace;
            this.next = startSeq;
        }

        @Override
        public boolean hasNext() {
            return next < total;
        }

        @Override
        public Batch next() {
            if (next >= total) {
                throw new NoSuchElementException("the stream ended at seq " + (total - 1));
            }
            long seq = next++;
            int epoch = (int) (seq / batchesPerEpoch) + 1;
            int index = (int) (seq % batchesPerEpoch);
            if (epoch != permEpoch) {
                perm = order.permutation(epoch - 1);
                permEpoch = epoch;
                trace.permutation(epoch);
            }
            int n = order.batchSize();
            int d = data.dim();
            float[] values = new float[Math.multiplyExact(n, d)]; // (n, d) row-major, never written again
            data.copyRows(perm, index * n, n, FloatBuffer.wrap(values));
            float[] scale = null;
            if (data.pixelMaps() != null) {
                scale = new float[values.length]; // (n, d), never written again
                data.pixelMaps().copyScaleRows(perm, index * n, n, scale);
            }
            trace.batch(seq);
            int[] rows = java.util.Arrays.copyOfRange(perm, index * n, index * n + n); // never written again
            return new Batch(seq, epoch, index, batchesPerEpoch, n, d, values, scale, rows);
        }
    }
}
