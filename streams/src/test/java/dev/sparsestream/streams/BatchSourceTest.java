package dev.sparsestream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.BatchOrder;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.protocol.Batch;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The batch stream against the sequential trainer's loop, resumption, backpressure, completion, arguments. */
class BatchSourceTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    /** 23 samples of dimension 3, batches of 5: 4 batches per epoch, 3 samples dropped each epoch. */
    private static final int N = 23;
    private static final int D = 3;
    private static final int BATCH = 5;
    private static final int PER_EPOCH = N / BATCH;
    private static final long SEED = 42;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Row i holds i*D + j in column j: exact in float, so every value names the row it came from. */
    private static Dataset synthetic() {
        float[] x = new float[N * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return new Dataset("synthetic", x, N, D, null);
    }

    /** What Trainer.train copies, batch after batch, for {@code epochs} epochs: its loop, verbatim. */
    private static List<float[]> trainerBatches(Dataset train, int n, long seed, int epochs) {
        BatchOrder order = new BatchOrder(train.size(), n, seed);
        List<float[]> out = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            int[] perm = order.permutation(epoch - 1);
            for (int b = 0; b < order.batchesPerEpoch(); b++) {
                float[] y = new float[n * train.dim()];
                train.copyRows(perm, b * n, n, FloatBuffer.wrap(y));
                out.add(y);
            }
        }
        return out;
    }

    private static TestSubscriber.Probe<Batch> run(Source<Batch, NotUsed> source) {
        return source.runWith(TestSink.create(KIT.system()), KIT.system());
    }

    /** Every element of a finite stream, checking that it then completes. */
    private static List<Batch> drain(Source<Batch, NotUsed> source, int expected) {
        TestSubscriber.Probe<Batch> probe = run(source);
        probe.request(expected + 1L);
        List<Batch> batches = nextN(probe, expected);
        probe.expectComplete();
        return batches;
    }

    /** The next {@code count} elements, each expected within the probe's default timeout. */
    private static List<Batch> nextN(TestSubscriber.Probe<Batch> probe, int count) {
        List<Batch> batches = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batches.add(probe.expectNext());
        }
        return batches;
    }

    /** Counts the source's work; written on the stream's thread, read on the test's. */
    private static final class Counter implements BatchSource.Trace {
        final ConcurrentLinkedQueue<Integer> permutations = new ConcurrentLinkedQueue<>();
        final AtomicLong batches = new AtomicLong();

        @Override
        public void permutation(int epoch) {
            permutations.add(epoch);
        }

        @Override
        public void batch(long seq) {
            batches.incrementAndGet();
        }
    }

    @Test
    void batchesAreTheSequentialTrainersForTwoEpochs() {
        Dataset data = synthetic();
        Counter counter = new Counter();
        List<Batch> got = drain(BatchSource.of(data, BATCH, SEED, 0, 2, counter), 2 * PER_EPOCH);
        List<float[]> want = trainerBatches(data, BATCH, SEED, 2);

        assertEquals(want.size(), got.size());
        for (int s = 0; s < got.size(); s++) {
            Batch b = got.get(s);
            assertEquals(s, b.seq());
            assertEquals(s / PER_EPOCH + 1, b.epoch());
            assertEquals(s % PER_EPOCH, b.index());
            assertEquals(PER_EPOCH, b.batchesPerEpoch());
            assertEquals(BATCH, b.rows());
            assertEquals(D, b.dim());
            assertArrayEquals(want.get(s), b.data(), "batch " + s);
        }
        // One permutation per epoch, not per batch.
        assertEquals(List.of(1, 2), new ArrayList<>(counter.permutations));

        // Independently of the trainer's code: within an epoch no sample repeats, rows are whole rows,
        // and the two epochs are shuffled differently.
        List<List<Integer>> epochRows = new ArrayList<>();
        for (int e = 0; e < 2; e++) {
            List<Integer> rows = new ArrayList<>();
            for (Batch b : got.subList(e * PER_EPOCH, (e + 1) * PER_EPOCH)) {
                for (int r = 0; r < b.rows(); r++) {
                    int row = (int) b.data()[r * D] / D;
                    assertEquals(row, b.sampleIndices()[r], "the batch names the rows it holds");
                    for (int j = 0; j < D; j++) {
                        assertEquals(row * D + j, b.data()[r * D + j], 0f);
                    }
                    rows.add(row);
                }
            }
            assertEquals(PER_EPOCH * BATCH, new HashSet<>(rows).size(), "a sample repeats in epoch " + (e + 1));
            epochRows.add(rows);
        }
        assertNotEquals(epochRows.get(0), epochRows.get(1));
    }

    @Test
    void everyBatchHasItsOwnArray() {
        List<Batch> got = drain(BatchSource.of(synthetic(), BATCH, SEED, 0, 2), 2 * PER_EPOCH);
        Set<float[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Batch b : got) {
            arrays.add(b.data());
        }
        assertEquals(got.size(), arrays.size());
    }

    @Test
    void resumingAtKContinuesWhereTheFullStreamIsAtK() {
        Dataset data = synthetic();
        int epochs = 3;
        int total = epochs * PER_EPOCH;
        List<Batch> full = drain(BatchSource.of(data, BATCH, SEED, 0, epochs), total);
        for (int k = 0; k < total; k++) {
            Counter counter = new Counter();
            List<Batch> resumed = drain(BatchSource.of(data, BATCH, SEED, k, epochs, counter), total - k);
            for (int i = 0; i < resumed.size(); i++) {
                Batch want = full.get(k + i);
                Batch got = resumed.get(i);
                assertEquals(want.seq(), got.seq());
                assertEquals(want.epoch(), got.epoch());
                assertEquals(want.index(), got.index());
                assertArrayEquals(want.data(), got.data(), "start " + k + ", seq " + want.seq());
            }
            // Only the epochs actually streamed are shuffled: the one holding k and those after it.
            int firstEpoch = k / PER_EPOCH + 1;
            List<Integer> wantPerms = new ArrayList<>();
            for (int e = firstEpoch; e <= epochs; e++) {
                wantPerms.add(e);
            }
            assertEquals(wantPerms, new ArrayList<>(counter.permutations), "start " + k);
        }
    }

    @Test
    void producesOnlyWhatIsDemanded() {
        // Practically endless (2^31 - 1 epochs): only laziness lets this run at all.
        Counter counter = new Counter();
        TestSubscriber.Probe<Batch> probe = run(BatchSource.of(synthetic(), BATCH, SEED, 0, Integer.MAX_VALUE, counter));
        probe.request(3);
        assertEquals(List.of(0L, 1L, 2L), nextN(probe, 3).stream().map(Batch::seq).toList());
        // Gives an over-eager source time to run ahead (and checks nothing more is delivered).
        probe.expectNoMessage(Duration.ofMillis(200));
        // Fused with its consumer the source has no buffer: exactly the 3 demanded batches.
        assertEquals(3, counter.batches.get());
        probe.request(1);
        assertEquals(3L, probe.expectNext().seq());
        probe.expectNoMessage(Duration.ofMillis(100));
        assertEquals(4, counter.batches.get());
        probe.cancel();
    }

    @Test
    void behindAnAsyncBoundaryProducesAtMostDemandPlusTheBuffer() {
        int buffer = 4;
        Counter counter = new Counter();
        Source<Batch, NotUsed> source = BatchSource.of(synthetic(), BATCH, SEED, 0, Integer.MAX_VALUE, counter)
                .async().addAttributes(Attributes.inputBuffer(buffer, buffer));
        TestSubscriber.Probe<Batch> probe = run(source);
        probe.request(3);
        nextN(probe, 3);
        probe.expectNoMessage(Duration.ofMillis(200));
        long produced = counter.batches.get();
        assertTrue(produced >= 3 && produced <= 3 + buffer, "produced " + produced + " for a demand of 3");
        probe.cancel();
    }

    @Test
    void completesAfterTheLastEpoch() {
        int epochs = 2;
        long last = (long) epochs * PER_EPOCH - 1;
        TestSubscriber.Probe<Batch> probe = run(BatchSource.of(synthetic(), BATCH, SEED, last - 1, epochs));
        probe.request(10);
        Batch a = probe.expectNext();
        Batch b = probe.expectNext();
        probe.expectComplete();
        assertEquals(last - 1, a.seq());
        assertEquals(last, b.seq());
        assertEquals(epochs, b.epoch());
        assertTrue(b.lastOfEpoch());
    }

    @Test
    void completesAfterOneEpochWhenOneIsAsked() {
        List<Batch> got = drain(BatchSource.of(synthetic(), BATCH, SEED, 0, 1), PER_EPOCH);
        assertTrue(got.get(PER_EPOCH - 1).lastOfEpoch());
    }

    @Test
    void badArgumentsAreRefused() {
        Dataset data = synthetic();
        assertMessage("batch size must be >= 1, got 0", () -> BatchSource.of(data, 0, SEED, 0, 1));
        assertMessage("batch size 24 is larger than the data", () -> BatchSource.of(data, N + 1, SEED, 0, 1));
        assertMessage("epochs must be >= 1, got 0", () -> BatchSource.of(data, BATCH, SEED, 0, 0));
        assertMessage("startSeq -1 is out of range", () -> BatchSource.of(data, BATCH, SEED, -1, 1));
        assertMessage("startSeq 8 is out of range: 2 epochs of 4 batches have seq 0..7",
                () -> BatchSource.of(data, BATCH, SEED, 2 * PER_EPOCH, 2));
        assertThrows(NullPointerException.class, () -> BatchSource.of(null, BATCH, SEED, 0, 1));
        // The whole data as one batch is allowed: one batch per epoch.
        assertEquals(1, drain(BatchSource.of(data, N, SEED, 0, 1), 1).size());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    @Test
    void pixelScalesTravelWithTheirRows() {
        float[] x = new float[N * D];
        float[] scale = new float[N * D];
        float[] offset = new float[N * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
            scale[i] = 1000 + i; // names its row and column too
        }
        Dataset data = new Dataset("mapped", x, N, D, null,
                new dev.sparsestream.core.data.PixelMaps(scale, offset, N, D));
        List<Batch> batches = drain(BatchSource.of(data, BATCH, SEED, 0, 2), 2 * PER_EPOCH);
        for (Batch b : batches) {
            for (int v = 0; v < b.data().length; v++) {
                assertEquals(1000 + b.data()[v], b.pixelScale()[v]);
            }
        }
        assertEquals(null, drain(BatchSource.of(synthetic(), BATCH, SEED, 0, 1), PER_EPOCH).get(0).pixelScale());
    }
}
