package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.BatchOrder;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.TrainingStep;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming pipeline against the core's sequential trainer, and its exactly-once bookkeeping. */
class PipelineTest {
    static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** A small VDL problem: d = 64, l = 32, batches of 50; 24 batches per epoch. */
    static ModelConfig config(Family family, int epochs) {
        ModelConfig.Builder b = Presets.mnist(family).toBuilder();
        b.dataDim = 64;
        b.codeDim = 32;
        if (family.nonLinear()) {
            b.hiddenDim = 48;
        }
        b.batchSize = 50;
        b.epochs = epochs;
        b.seed = 11;
        return b.build();
    }

    static Dataset data(String name, int n, int d, long seed) {
        return new Dataset(name, values(n, d, seed), n, d, null);
    }

    static float[] values(int n, int d, long seed) {
        // Non-negative sparse-ish mixtures, so that codes are non-trivial.
        Random rng = new Random(seed);
        float[][] atoms = new float[8][d];
        for (float[] a : atoms) {
            for (int p = 0; p < d; p++) {
                a[p] = (float) rng.nextGaussian();
            }
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 8; k++) {
                if (rng.nextDouble() < 0.3) {
                    float c = (float) rng.nextDouble();
                    for (int p = 0; p < d; p++) {
                        x[i * d + p] += c * atoms[k][p];
                    }
                }
            }
        }
        return x;
    }

    /** Weights after every batch of the core's sequential loop (Trainer's order of samples). */
    static List<Weights> sequential(ModelConfig c, Dataset train, int batches) {
        return sequential(c, train, batches, Long.MAX_VALUE, Double.NaN);
    }

    /** The same, with lambda set to {@code lambda} from batch {@code switchAt} on. */
    static List<Weights> sequential(ModelConfig c, Dataset train, int batches, long switchAt, double lambda) {
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        TrainingStep step = new TrainingStep(model, c.batchSize());
        BatchOrder order = new BatchOrder(train.size(), c.batchSize(), c.seed());
        FistaParams p = FistaParams.of(c);
        Matrix y = Matrix.zeros(c.batchSize(), c.dataDim());
        List<Weights> out = new ArrayList<>();
        int perEpoch = order.batchesPerEpoch();
        for (int k = 0; k < batches; k++) {
            int epoch = k / perEpoch;
            if (k % perEpoch == 0) {
                step.startEpoch(epoch);
            }
            train.copyRows(order.permutation(epoch), (k % perEpoch) * c.batchSize(), c.batchSize(), y.data());
            if (k == switchAt) {
                p = new FistaParams(lambda, p.beta(), p.hingeT(), p.gamma(), p.eta(), p.maxSteps(), p.tolerance());
            }
            step.apply(y, p);
            out.add(model.exportWeights(k + 1));
        }
        return out;
    }

    record Run(RunOutcome outcome, List<Weights> weights) {
    }

    static Run pipeline(ModelConfig c, Dataset train, Dataset val, int workers, int staleness,
                        InferenceWorker.BeforeInference hook) throws Exception {
        List<Weights> updates = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ActorRef<LearnerCommand>> learner = new CompletableFuture<>();
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        var parts = new TrainingRun.Parts(new RunSettings(c, workers, staleness, 0, null),
                SparseAutoencoder.initialise(c), train, val, null, RunListener.NONE, updates::add, hook);
        testKit.spawn(TrainingRun.create(parts, learner, outcome));
        RunOutcome o = outcome.get(120, TimeUnit.SECONDS);
        return new Run(o, List.copyOf(updates));
    }

    /** A run whose weight updates go to {@code onUpdate} as well, which may talk to the learner. */
    static Run pipeline(ModelConfig c, Dataset train, Dataset val, RunSettings settings, RunListener listener,
                        java.util.function.BiConsumer<Weights, ActorRef<LearnerCommand>> onUpdate) throws Exception {
        List<Weights> updates = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ActorRef<LearnerCommand>> learner = new CompletableFuture<>();
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        Learner.UpdateListener u = w -> {
            updates.add(w);
            onUpdate.accept(w, learner.join());
        };
        var parts = new TrainingRun.Parts(settings, SparseAutoencoder.initialise(c), train, val, null, listener, u,
                InferenceWorker.BeforeInference.NONE);
        testKit.spawn(TrainingRun.create(parts, learner, outcome));
        RunOutcome o = outcome.get(120, TimeUnit.SECONDS);
        return new Run(o, List.copyOf(updates));
    }

    static void assertSameWeights(Weights expected, Weights actual, String what) {
        assertEquals(expected.names(), actual.names());
        for (int i = 0; i < expected.values().length; i++) {
            float[] e = expected.values()[i];
            float[] a = actual.values()[i];
            assertEquals(e.length, a.length);
            for (int k = 0; k < e.length; k++) {
                assertEquals(e[k], a[k], 1e-6f * Math.max(1f, Math.abs(e[k])),
                        what + ": " + expected.names().get(i) + "[" + k + "]");
            }
        }
    }

    static void assertAppliedOnceInOrder(RunOutcome o, int batches) {
        List<BatchRecord> records = o.monitor().batches();
        assertEquals(batches, records.size(), "every batch applied exactly once");
        for (int k = 0; k < batches; k++) {
            assertEquals(k, records.get(k).seq(), "batches applied in order");
        }
    }

    @Test
    void withNoStalenessThePipelineEqualsTheSequentialTrainerBatchForBatch() throws Exception {
        ModelConfig c = config(Family.VDL, 1);
        Dataset train = data("train", 1200, 64, 1);
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Run run = pipeline(c, train, data("val", 100, 64, 2), 2, 0, b -> threads.add(Thread.currentThread().getName()));
        assertEquals(RunOutcome.Status.COMPLETED, run.outcome().status(), run.outcome().message());
        // K = 0: one batch in flight, so FISTA ran on the run's one sequential thread, not on the default
        // dispatcher that Pekko HTTP shares
        assertTrue(!threads.isEmpty() && threads.stream().allMatch(t -> t.contains("sparse-stream.sequential-dispatcher")),
                threads.toString());
        List<Weights> expected = sequential(c, train, 24);
        assertEquals(24, run.weights().size());
        for (int k = 0; k < 24; k++) {
            assertEquals(k + 1, run.weights().get(k).version());
            assertSameWeights(expected.get(k), run.weights().get(k), "after batch " + k);
        }
        assertAppliedOnceInOrder(run.outcome(), 24);
        assertEquals(1, run.outcome().monitor().epochs().size());
    }

    @Test
    void patchesPixelMapsReachTheLearnersPsnrAndTheMonitors() throws Exception {
        ModelConfig c = config(Family.VDL, 1);
        int n = 1200;
        Random rng = new Random(21);
        float[] scale = new float[n * 64];
        float[] offset = new float[n * 64];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = (float) (0.02 + 0.3 * rng.nextDouble());
            offset[i] = (float) rng.nextDouble();
        }
        Dataset train = new Dataset("patches", values(n, 64, 22), n, 64, null,
                new dev.sparsestream.core.data.PixelMaps(scale, offset, n, 64));
        Dataset val = new Dataset("val", values(100, 64, 23), 100, 64, null,
                new dev.sparsestream.core.data.PixelMaps(java.util.Arrays.copyOf(scale, 6400),
                        java.util.Arrays.copyOf(offset, 6400), 100, 64));
        Run run = pipeline(c, train, val, 1, 0, InferenceWorker.BeforeInference.NONE);
        assertEquals(RunOutcome.Status.COMPLETED, run.outcome().status(), run.outcome().message());
        // The sequential loop with each batch's own scales gives the same per-batch PSNR.
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        TrainingStep step = new TrainingStep(model, c.batchSize());
        BatchOrder order = new BatchOrder(n, c.batchSize(), c.seed());
        Matrix y = Matrix.zeros(c.batchSize(), 64);
        float[] s = new float[c.batchSize() * 64];
        step.startEpoch(0);
        List<BatchRecord> records = run.outcome().monitor().batches();
        for (int k = 0; k < 24; k++) {
            train.copyRows(order.permutation(0), k * c.batchSize(), c.batchSize(), y.data());
            train.pixelMaps().copyScaleRows(order.permutation(0), k * c.batchSize(), c.batchSize(), s);
            double psnr = step.apply(y, s, FistaParams.of(c)).psnr();
            assertEquals(psnr, records.get(k).metrics().psnr(), 1e-6, "batch " + k);
        }
        // and the validation PSNR is the evaluator's with the validation maps
        double val1 = run.outcome().monitor().epochs().get(0).val().psnr();
        assertEquals(new dev.sparsestream.core.train.Evaluator(model, c.batchSize()).evaluate(val, FistaParams.of(c)).psnr(),
                val1, 1e-6);
    }

    @Test
    void everyMessageCanCrossANodeBoundary() throws Exception {
        // serialize-messages: each message between the actors goes through Kryo, as it would between nodes.
        ActorTestKit serializing = ActorTestKit.create("serializing", com.typesafe.config.ConfigFactory.parseString(
                "pekko.actor.serialize-messages = on").withFallback(com.typesafe.config.ConfigFactory.load()));
        try {
            ModelConfig c = config(Family.VDL, 1);
            Dataset train = data("train", 1200, 64, 16);
            List<Weights> updates = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
            serializing.spawn(TrainingRun.create(new TrainingRun.Parts(new RunSettings(c, 2, 1, 0, null),
                    SparseAutoencoder.initialise(c), train, data("val", 100, 64, 17), null, RunListener.NONE,
                    updates::add, InferenceWorker.BeforeInference.NONE), new CompletableFuture<>(), outcome));
            RunOutcome o = outcome.get(120, TimeUnit.SECONDS);
            assertEquals(RunOutcome.Status.COMPLETED, o.status(), o.message());
            assertAppliedOnceInOrder(o, 24);
        } finally {
            serializing.shutdownTestKit();
        }
    }

    @Test
    void aRunStoppedMidwayAndResumedFromItsSnapshotEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        ModelConfig c = config(Family.VDL, 2);
        Dataset train = data("train", 1200, 64, 7);
        Dataset val = data("val", 100, 64, 8);
        // First leg: stop once 30 batches are applied (mid epoch 2); the learner finishes the batch in flight.
        List<Weights> first = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ActorRef<LearnerCommand>> learner = new CompletableFuture<>();
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        Learner.UpdateListener stopAt30 = w -> {
            first.add(w);
            if (w.version() == 30) {
                learner.join().tell(new LearnerCommand.Stop("test", testKit.system().ignoreRef()));
            }
        };
        testKit.spawn(TrainingRun.create(new TrainingRun.Parts(new RunSettings(c, 1, 0, 0, dir),
                SparseAutoencoder.initialise(c), train, val, null, RunListener.NONE, stopAt30,
                InferenceWorker.BeforeInference.NONE), learner, outcome));
        RunOutcome stopped = outcome.get(120, TimeUnit.SECONDS);
        assertEquals(RunOutcome.Status.STOPPED, stopped.status(), stopped.message());
        Snapshot snap = SnapshotFiles.readLatest(dir);
        long resumedAt = snap.nextSeq();
        assertTrue(resumedAt >= 30 && resumedAt < 48, "stopped at " + resumedAt);
        assertEquals(resumedAt, snap.weights().version());

        // Second leg: resume from the snapshot to the end.
        Run rest = resume(c, train, val, snap, dir);
        assertEquals(RunOutcome.Status.COMPLETED, rest.outcome().status(), rest.outcome().message());

        Run whole = pipeline(c, train, val, 1, 0, InferenceWorker.BeforeInference.NONE);
        for (Weights w : rest.weights()) {
            assertSameWeights(whole.weights().get((int) w.version() - 1), w, "version " + w.version());
        }
        assertEquals(48 - resumedAt, rest.weights().size());
        // The metric history and the early-stopping state continue as if never interrupted.
        List<BatchRecord> a = whole.outcome().monitor().batches();
        List<BatchRecord> b = rest.outcome().monitor().batches();
        assertEquals(a.size(), b.size());
        for (int k = 0; k < a.size(); k++) {
            assertEquals(a.get(k).seq(), b.get(k).seq());
            assertEquals(a.get(k).metrics().energy().total(), b.get(k).metrics().energy().total(),
                    1e-9 * Math.abs(a.get(k).metrics().energy().total()), "energy of batch " + k);
        }
        assertEquals(whole.outcome().monitor().bestEpoch(), rest.outcome().monitor().bestEpoch());
        assertEquals(whole.outcome().monitor().epochs().get(1).val().energy(),
                rest.outcome().monitor().epochs().get(1).val().energy(), 1e-9);
    }

    static Run resume(ModelConfig c, Dataset train, Dataset val, Snapshot snap, Path dir) throws Exception {
        List<Weights> updates = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ActorRef<LearnerCommand>> learner = new CompletableFuture<>();
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        testKit.spawn(TrainingRun.create(new TrainingRun.Parts(new RunSettings(c, 1, 0, 0, dir),
                SparseAutoencoder.initialise(c), train, val, snap, RunListener.NONE, updates::add,
                InferenceWorker.BeforeInference.NONE), learner, outcome));
        return new Run(outcome.get(120, TimeUnit.SECONDS), List.copyOf(updates));
    }

    @Test
    void aFailingWorkerIsRestartedAndItsBatchAppliedExactlyOnce() throws Exception {
        ModelConfig c = config(Family.VDL, 1);
        Dataset train = data("train", 1200, 64, 3);
        AtomicBoolean thrown = new AtomicBoolean();
        Run run = pipeline(c, train, data("val", 100, 64, 4), 2, 0, seq -> {
            if (seq == 7 && thrown.compareAndSet(false, true)) {
                throw new IllegalStateException("injected fault on batch 7");
            }
        });
        assertTrue(thrown.get(), "the fault was injected");
        assertEquals(RunOutcome.Status.COMPLETED, run.outcome().status(), run.outcome().message());
        assertAppliedOnceInOrder(run.outcome(), 24);
        // The retried batch is inferred with the same weights, so K = 0 still equals the sequential run.
        List<Weights> expected = sequential(c, train, 24);
        assertSameWeights(expected.get(23), run.weights().get(23), "after the last batch");
    }

    @Test
    void withStalenessOneTwoWorkersOverlapAndNoCodesAreTooStale() throws Exception {
        ModelConfig c = config(Family.VDL, 2);
        Dataset train = data("train", 1200, 64, 5);
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Run run = pipeline(c, train, data("val", 100, 64, 6), 2, 1, b -> threads.add(Thread.currentThread().getName()));
        assertEquals(RunOutcome.Status.COMPLETED, run.outcome().status(), run.outcome().message());
        assertAppliedOnceInOrder(run.outcome(), 48);
        // Two batches in flight: the workers run FISTA side by side on the compute dispatcher's threads
        assertTrue(!threads.isEmpty() && threads.stream().allMatch(t -> t.contains("sparse-stream.compute-dispatcher")),
                threads.toString());
        int maxStaleness = 0;
        for (BatchRecord r : run.outcome().monitor().batches()) {
            maxStaleness = Math.max(maxStaleness, r.staleness());
        }
        assertTrue(maxStaleness <= 1, "staleness " + maxStaleness);
        assertEquals(2, run.outcome().monitor().epochs().size());
    }

    @Test
    void lambdaSetWhileRunningAppliesFromTheNextBatchAndInvalidValuesAreRefused() throws Exception {
        ModelConfig c = config(Family.VDL, 1);
        Dataset train = data("train", 1200, 64, 9);
        TestProbe<ControlReply> replies = testKit.createTestProbe();
        List<LambdaChange> changes = Collections.synchronizedList(new ArrayList<>());
        RunListener listener = new RunListener() {
            @Override
            public void onLambda(LambdaChange change) {
                changes.add(change);
            }
        };
        Run run = pipeline(c, train, data("val", 100, 64, 10), new RunSettings(c, 1, 0, 0, null), listener,
                (w, learner) -> {
                    if (w.version() == 10) {
                        learner.tell(new LearnerCommand.SetLambda(-1, replies.getRef()));
                        learner.tell(new LearnerCommand.SetLambda(Double.NaN, replies.getRef()));
                        learner.tell(new LearnerCommand.SetLambda(0.05, replies.getRef()));
                        learner.tell(new LearnerCommand.SetLambda(Double.POSITIVE_INFINITY, replies.getRef()));
                    }
                });
        assertEquals(RunOutcome.Status.COMPLETED, run.outcome().status(), run.outcome().message());
        assertTrue(replies.expectMessageClass(ControlReply.Rejected.class).message().contains("-1"));
        assertTrue(replies.expectMessageClass(ControlReply.Rejected.class).message().contains("NaN"));
        replies.expectMessageClass(ControlReply.Accepted.class);
        assertTrue(replies.expectMessageClass(ControlReply.Rejected.class).message().contains("Infinity"));

        // One change, recorded with the batch from which it applied; every batch carries its lambda.
        assertEquals(1, changes.size(), changes.toString());
        long from = changes.get(0).fromBatch();
        assertEquals(0.05, changes.get(0).lambda());
        assertTrue(from >= 10 && from <= 11, "the next batch the workers start, got " + from);
        for (BatchRecord r : run.outcome().monitor().batches()) {
            assertEquals(r.seq() < from ? c.lambda() : 0.05, r.lambda(), "lambda of batch " + r.seq());
        }
        // And the weights are those of the sequential trainer with lambda switched at that batch.
        List<Weights> expected = sequential(c, train, 24, from, 0.05);
        for (int k = 0; k < 24; k++) {
            assertSameWeights(expected.get(k), run.weights().get(k), "after batch " + k);
        }
    }

    @Test
    void aNonFiniteEnergyStopsTheRunAndLeavesTheLastSnapshotIntact(@TempDir Path dir) throws Exception {
        ModelConfig c = config(Family.VDL, 1);
        // One sample of batch 5 of the first epoch is NaN: its energy is NaN.
        float[] x = values(1200, 64, 12);
        int poisoned = new BatchOrder(1200, c.batchSize(), c.seed()).permutation(0)[5 * c.batchSize() + 3];
        x[poisoned * 64 + 17] = Float.NaN;
        Dataset train = new Dataset("train", x, 1200, 64, null);
        Run run = pipeline(c, train, data("val", 100, 64, 13), new RunSettings(c, 1, 0, 2, dir), RunListener.NONE,
                (w, learner) -> { });
        RunOutcome o = run.outcome();
        assertEquals(RunOutcome.Status.FAILED, o.status());
        assertTrue(o.message().contains("NaN") && o.message().contains("batch 5"), o.message());
        assertEquals(5, o.batchesApplied(), "batches 0..4 applied, batch 5 refused");
        assertEquals(5, run.weights().size());
        // The snapshot on disk is a complete, good one from before the bad batch.
        Snapshot snap = SnapshotFiles.readLatest(dir);
        assertTrue(snap.nextSeq() == 2 || snap.nextSeq() == 4, "snapshot at " + snap.nextSeq());
        assertSameWeights(run.weights().get((int) snap.nextSeq() - 1), snap.weights(), "snapshot weights");
        for (float[] v : snap.weights().values()) {
            for (float f : v) {
                assertTrue(Float.isFinite(f));
            }
        }
        assertTrue(o.message().contains(dir.toString()), "the message names the snapshot: " + o.message());
    }

    @Test
    void aCoordinatedShutdownStopsTheLearnerWithASnapshot(@TempDir Path dir) throws Exception {
        // What Ctrl-C does: the JVM's shutdown runs Pekko's coordinated shutdown, whose first task stops the learner.
        ModelConfig c = config(Family.VDL, 2);
        CompletableFuture<org.apache.pekko.actor.typed.ActorSystem<?>> system = new CompletableFuture<>();
        Learner.UpdateListener interruptAt5 = w -> {
            if (w.version() == 5) {
                system.thenAccept(s -> org.apache.pekko.actor.CoordinatedShutdown.get(
                        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(s))
                        .run(org.apache.pekko.actor.CoordinatedShutdown.unknownReason()));
            }
        };
        StreamingTrainer trainer = StreamingTrainer.start(new TrainingRun.Parts(new RunSettings(c, 1, 0, 0, dir),
                SparseAutoencoder.initialise(c), data("train", 1200, 64, 14), data("val", 100, 64, 15), null,
                RunListener.NONE, interruptAt5, InferenceWorker.BeforeInference.NONE));
        try {
            system.complete(trainer.system());
            RunOutcome o = trainer.await();
            assertEquals(RunOutcome.Status.STOPPED, o.status(), o.message());
            assertTrue(o.message().contains("interrupted"), o.message());
            Snapshot snap = SnapshotFiles.readLatest(dir);
            assertEquals(o.batchesApplied(), snap.nextSeq());
            assertTrue(snap.nextSeq() >= 5 && snap.nextSeq() < 48, "stopped at " + snap.nextSeq());
            assertEquals(snap.nextSeq(), snap.monitor().batches().size());
            trainer.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            trainer.close();
        }
    }
}
