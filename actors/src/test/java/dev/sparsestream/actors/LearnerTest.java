package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerStatus;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.streams.BatchSource;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The learner alone, with probes for its worker and monitor: backpressure and the staleness guard. */
class LearnerTest {
    static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    record Setup(ActorRef<LearnerCommand> learner, TestProbe<WorkerCommand> worker, TestProbe<MonitorCommand> monitor,
                 AtomicLong produced, ModelConfig config) {
    }

    /** A learner over a practically endless stream (1000 epochs), one probe worker, K as given. */
    static Setup start(int maxStaleness) {
        ModelConfig c = PipelineTest.config(Family.VDL, 1000);
        Dataset train = PipelineTest.data("train", 1200, 64, 21);
        AtomicLong produced = new AtomicLong();
        Source<Batch, NotUsed> source = BatchSource.of(train, c.batchSize(), c.seed(), 0, c.epochs()).map(b -> {
            produced.incrementAndGet();
            return b;
        });
        TestProbe<WorkerCommand> worker = testKit.createTestProbe();
        TestProbe<MonitorCommand> monitor = testKit.createTestProbe();
        ActorRef<LearnerCommand> learner = testKit.spawn(Learner.create(new LearnerDeps(
                new RunSettings(c, 1, maxStaleness, 0, null), SparseAutoencoder.initialise(c), source, monitor.getRef(),
                null, Learner.UpdateListener.NONE, new CompletableFuture<>(),
                ServiceKey.create(WorkerCommand.class, "pool-" + UUID.randomUUID()))));
        learner.tell(new LearnerCommand.WorkerReady(worker.getRef()));
        // The model and weights come with the first batch, not before.
        WorkerCommand.Configure configure = worker.expectMessageClass(WorkerCommand.Configure.class);
        assertEquals(0, configure.weights().version());
        return new Setup(learner, worker, monitor, produced, c);
    }

    static LearnerCommand.CodesComputed zeroCodes(WorkerCommand.InferBatch m, long claimedVersion,
                                                  ActorRef<WorkerCommand> worker, int codeDim) {
        return new LearnerCommand.CodesComputed(m.batch().seq(), claimedVersion, m.batch().rows(), codeDim,
                new float[m.batch().rows() * codeDim], null, 1, 1, worker);
    }

    @Test
    void aSlowLearnerSlowsTheSource() {
        Setup s = start(0);
        for (int k = 0; k < 20; k++) { // within the first epoch of 24 (no validation pause)
            WorkerCommand.InferBatch m = s.worker().expectMessageClass(WorkerCommand.InferBatch.class);
            assertEquals(k, m.batch().seq());
            // While the worker holds its batch, nothing more is asked of the source than one batch in
            // flight, one waiting and the stream's one-element buffer (of a stream 24,000 batches long).
            s.worker().expectNoMessage(Duration.ofMillis(k == 0 ? 200 : 5));
            assertTrue(s.produced().get() <= k + 3, "after " + k + " applied batches the source made "
                    + s.produced().get());
            s.learner().tell(zeroCodes(m, m.weightsVersion(), s.worker().getRef(), s.config().codeDim()));
            newWeights(s.worker());
        }
    }

    @Test
    void aStoppedWorkersBatchGoesToAnotherWorkerAndIsAppliedOnce() {
        Setup s = start(0);
        WorkerCommand.InferBatch held = s.worker().expectMessageClass(WorkerCommand.InferBatch.class);
        assertEquals(0, held.batch().seq());
        // A second worker joins while the first holds batch 0 (K = 0: one batch in flight): nothing for it yet.
        TestProbe<WorkerCommand> second = testKit.createTestProbe();
        s.learner().tell(new LearnerCommand.WorkerReady(second.getRef()));
        second.expectNoMessage(Duration.ofMillis(100));

        s.worker().stop(); // its node died, say: the learner's death watch hands batch 0 on, weights first
        assertEquals(held.weightsVersion(), second.expectMessageClass(WorkerCommand.Configure.class).weights().version());
        WorkerCommand.InferBatch again = second.expectMessageClass(WorkerCommand.InferBatch.class);
        assertEquals(0, again.batch().seq());
        assertEquals(held.weightsVersion(), again.weightsVersion());
        s.monitor().expectNoMessage(Duration.ofMillis(50));
        s.learner().tell(zeroCodes(again, again.weightsVersion(), second.getRef(), s.config().codeDim()));
        newWeights(second);
        assertEquals(0, s.monitor().expectMessageClass(MonitorCommand.BatchApplied.class).record().seq());
        WorkerCommand.InferBatch next = second.expectMessageClass(WorkerCommand.InferBatch.class);
        assertEquals(1, next.batch().seq(), "batch 0 was applied once; the stream goes on");
    }

    @Test
    void aFastWorkerWaitingForASlowOneStartsNoBatchBeyondK() {
        // K = 1, two workers: batch 0 is slow, batch 1 comes back at once. A third batch now could only be
        // applied 2 versions late (after 0 and 1), so none starts until batch 0 is applied.
        ModelConfig c = PipelineTest.config(Family.VDL, 1000);
        Dataset train = PipelineTest.data("train", 1200, 64, 21);
        TestProbe<WorkerCommand> slow = testKit.createTestProbe();
        TestProbe<WorkerCommand> fast = testKit.createTestProbe();
        TestProbe<MonitorCommand> monitor = testKit.createTestProbe();
        ActorRef<LearnerCommand> learner = testKit.spawn(Learner.create(new LearnerDeps(
                new RunSettings(c, 2, 1, 0, null), SparseAutoencoder.initialise(c),
                BatchSource.of(train, c.batchSize(), c.seed(), 0, c.epochs()), monitor.getRef(), null,
                Learner.UpdateListener.NONE, new CompletableFuture<>(),
                ServiceKey.create(WorkerCommand.class, "pool-" + UUID.randomUUID()))));
        learner.tell(new LearnerCommand.WorkerReady(slow.getRef()));
        slow.expectMessageClass(WorkerCommand.Configure.class);
        WorkerCommand.InferBatch b0 = slow.expectMessageClass(WorkerCommand.InferBatch.class);
        learner.tell(new LearnerCommand.WorkerReady(fast.getRef()));
        fast.expectMessageClass(WorkerCommand.Configure.class);
        WorkerCommand.InferBatch b1 = fast.expectMessageClass(WorkerCommand.InferBatch.class);
        assertEquals(1, b1.batch().seq());
        // Batch 0 goes first, with its own version; batch 1 will be applied a version later.
        learner.tell(zeroCodes(b1, b1.weightsVersion(), fast.getRef(), c.codeDim()));
        fast.expectNoMessage(Duration.ofMillis(200));

        learner.tell(zeroCodes(b0, b0.weightsVersion(), slow.getRef(), c.codeDim()));
        assertEquals(0, monitor.expectMessageClass(MonitorCommand.BatchApplied.class).record().seq());
        MonitorCommand.BatchApplied second = monitor.expectMessageClass(MonitorCommand.BatchApplied.class);
        assertEquals(1, second.record().seq());
        assertEquals(1, second.record().staleness());
        // Now two batches may be in flight again, inferred with version 2.
        for (TestProbe<WorkerCommand> w : List.of(slow, fast)) {
            assertEquals(2, newWeights(w));
            assertEquals(2, w.expectMessageClass(WorkerCommand.InferBatch.class).weightsVersion());
        }
    }

    @Test
    void codesOlderThanKVersionsAreNeverApplied() {
        Setup s = start(0);
        WorkerCommand.InferBatch first = s.worker().expectMessageClass(WorkerCommand.InferBatch.class);
        s.learner().tell(zeroCodes(first, first.weightsVersion(), s.worker().getRef(), s.config().codeDim()));
        newWeights(s.worker());
        MonitorCommand.BatchApplied applied = s.monitor().expectMessageClass(MonitorCommand.BatchApplied.class);
        assertEquals(0, applied.record().seq());

        // Batch 1 answered as if computed with version 0 while the learner is at version 1: K = 0 refuses it
        // and sends the batch out again with the current weights.
        WorkerCommand.InferBatch second = s.worker().expectMessageClass(WorkerCommand.InferBatch.class);
        assertEquals(1, second.batch().seq());
        assertEquals(1, second.weightsVersion());
        s.learner().tell(zeroCodes(second, 0, s.worker().getRef(), s.config().codeDim()));
        WorkerCommand.InferBatch again = s.worker().expectMessageClass(WorkerCommand.InferBatch.class);
        assertEquals(1, again.batch().seq(), "the same batch, inferred again");
        assertEquals(1, again.weightsVersion());
        s.monitor().expectNoMessage(Duration.ofMillis(100));

        s.learner().tell(zeroCodes(again, again.weightsVersion(), s.worker().getRef(), s.config().codeDim()));
        newWeights(s.worker());
        MonitorCommand.BatchApplied next = s.monitor().expectMessageClass(MonitorCommand.BatchApplied.class);
        assertEquals(1, next.record().seq());
        assertEquals(0, next.record().staleness());
    }

    @Test
    void pausedLearnerAppliesWhatIsInFlightStartsNothingAndResumes() {
        Setup s = start(0);
        TestProbe<ControlReply> control = testKit.createTestProbe();
        TestProbe<LearnerStatus> status = testKit.createTestProbe();
        WorkerCommand.InferBatch first = s.worker().expectMessageClass(WorkerCommand.InferBatch.class);

        s.learner().tell(new LearnerCommand.Pause(control.getRef()));
        assertTrue(control.expectMessageClass(ControlReply.Accepted.class).message().startsWith("paused"));
        s.learner().tell(new LearnerCommand.Pause(control.getRef()));
        assertEquals("already paused", control.expectMessageClass(ControlReply.Accepted.class).message());

        // The batch in flight is applied: codes using the even components, every other sample.
        int l = s.config().codeDim();
        int rows = first.batch().rows();
        float[] codes = new float[rows * l];
        for (int i = 0; i < rows; i += 2) {
            for (int j = 0; j < l; j += 2) {
                codes[i * l + j] = 0.5f;
            }
        }
        s.learner().tell(new LearnerCommand.CodesComputed(first.batch().seq(), first.weightsVersion(), rows, l, codes, null, 1, 1,
                s.worker().getRef()));
        s.monitor().expectMessageClass(MonitorCommand.BatchApplied.class);
        s.worker().expectNoMessage(Duration.ofMillis(300)); // paused: no new batch (and so no new weights)

        s.learner().tell(new LearnerCommand.GetStatus(status.getRef()));
        LearnerStatus st = status.expectMessageClass(LearnerStatus.class);
        assertTrue(st.paused());
        assertEquals(1, st.nextSeq());
        assertEquals(1, st.weightsVersion());
        assertEquals(1, st.weights().version());
        assertEquals(0, st.inFlight());
        assertEquals(1, st.workers());
        assertEquals(rows, st.usageSamples());
        float used = (float) ((rows + 1) / 2) / rows;
        for (int j = 0; j < l; j++) {
            assertEquals(j % 2 == 0 ? used : 0f, st.componentUsage()[j], 1e-6f, "component " + j);
        }

        s.learner().tell(new LearnerCommand.Resume(control.getRef()));
        assertEquals("resumed at batch 1", control.expectMessageClass(ControlReply.Accepted.class).message());
        assertEquals(1, newWeights(s.worker()));
        assertEquals(1, s.worker().expectMessageClass(WorkerCommand.InferBatch.class).batch().seq());
        s.learner().tell(new LearnerCommand.Resume(control.getRef()));
        assertEquals("not paused", control.expectMessageClass(ControlReply.Accepted.class).message());
        s.learner().tell(new LearnerCommand.GetStatus(status.getRef()));
        assertTrue(!status.expectMessageClass(LearnerStatus.class).paused());
    }

    /**
     * A new weight version for a worker: probes run in the learner's JVM, so it lends them the version in
     * place ({@link NativeWeights}) rather than sending arrays; its version, and the probe lets go of it.
     */
    private static long newWeights(TestProbe<WorkerCommand> worker) {
        NativeWeights.Version w = worker.expectMessageClass(NativeWeights.Lent.class).weights();
        w.release();
        return w.version();
    }
}
