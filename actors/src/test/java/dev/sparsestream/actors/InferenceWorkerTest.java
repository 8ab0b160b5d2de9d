package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.streams.BatchSource;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A worker sent a batch's rows in the training set it read itself, and one whose copy is not the learner's. */
class InferenceWorkerTest {
    static final ActorTestKit testKit = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    record Worker(ActorRef<WorkerCommand> ref, TestProbe<LearnerCommand> learner, AtomicInteger loads) {
    }

    /** A worker on a "remote" node (no learner's batches to read in place) whose node reads {@code nodeCopy}. */
    static Worker worker(Dataset nodeCopy) {
        AtomicInteger loads = new AtomicInteger();
        NodeData data = NodeData.shared((rows, configJson) -> {
            loads.incrementAndGet();
            return nodeCopy;
        });
        ActorRef<WorkerCommand> ref = testKit.spawn(InferenceWorker.create(
                ServiceKey.create(WorkerCommand.class, "pool-" + UUID.randomUUID()), Devices.cpu(),
                InferenceWorker.BeforeInference.NONE, null, data));
        return new Worker(ref, testKit.createTestProbe(), loads);
    }

    static WorkerCommand.Configure configure(ModelConfig c, SparseAutoencoder model, Dataset train,
                                             ActorRef<LearnerCommand> learner) throws Exception {
        var rows = new WorkerCommand.TrainingRows("{\"dataset\":\"test\"}", train.size(), train.dim(), train.checksum());
        return new WorkerCommand.Configure(Json.mapper().writeValueAsString(c), model.exportWeights(3), rows, learner);
    }

    @Test
    void rowsFromItsOwnCopyGiveTheCodesThePixelsGive() throws Exception {
        ModelConfig c = PipelineTest.config(Family.VDL, 1);
        Dataset train = PipelineTest.data("train", 400, 64, 8);
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        Batch batch = BatchSource.of(train, c.batchSize(), c.seed(), 3, 1).runWith(Sink.head(), testKit.system())
                .toCompletableFuture().get();
        // The node's copy: the same values, built apart from the learner's.
        Worker w = worker(PipelineTest.data("node copy", 400, 64, 8));
        w.ref().tell(configure(c, model, train, w.learner().getRef()));
        assertNull(w.learner().expectMessageClass(LearnerCommand.DataRead.class).problem());
        FistaParams params = FistaParams.of(c);
        w.ref().tell(new WorkerCommand.InferRows(batch.seq(), batch.sampleIndices(), params, 3, w.learner().getRef()));
        var byRows = w.learner().expectMessageClass(LearnerCommand.CodesComputed.class);
        w.ref().tell(new WorkerCommand.InferBatch(batch, params, 3, w.learner().getRef()));
        var byPixels = w.learner().expectMessageClass(LearnerCommand.CodesComputed.class);
        assertEquals(batch.seq(), byRows.seq());
        assertEquals(3, byRows.weightsVersion());
        assertArrayEquals(byPixels.codes(), byRows.codes());
        assertArrayEquals(byPixels.encoderPass(), byRows.encoderPass());
        assertTrue(byRows.codes().length == c.batchSize() * c.codeDim());

        // Configured again (a restart, a new version of the model): the node's copy is not loaded again.
        w.ref().tell(configure(c, model, train, w.learner().getRef()));
        assertNull(w.learner().expectMessageClass(LearnerCommand.DataRead.class).problem());
        assertEquals(1, w.loads().get());
    }

    @Test
    void aCopyThatDiffersIsReportedWithItsChecksumAndTheWorkerTakesPixels() throws Exception {
        ModelConfig c = PipelineTest.config(Family.VDL, 1);
        Dataset train = PipelineTest.data("train", 400, 64, 8);
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        Worker w = worker(PipelineTest.data("other", 400, 64, 9));
        w.ref().tell(configure(c, model, train, w.learner().getRef()));
        String problem = w.learner().expectMessageClass(LearnerCommand.DataRead.class).problem();
        assertTrue(problem != null && problem.contains("differs from the learner's") && problem.contains("CRC-32C"),
                problem);
        Worker shorter = worker(PipelineTest.data("short", 350, 64, 8));
        shorter.ref().tell(configure(c, model, train, shorter.learner().getRef()));
        String shape = shorter.learner().expectMessageClass(LearnerCommand.DataRead.class).problem();
        assertTrue(shape != null && shape.contains("350 x 64") && shape.contains("400 x 64"), shape);
        Batch batch = BatchSource.of(train, c.batchSize(), c.seed(), 0, 1).runWith(Sink.head(), testKit.system())
                .toCompletableFuture().get();
        w.ref().tell(new WorkerCommand.InferBatch(batch, FistaParams.of(c), 3, w.learner().getRef()));
        assertEquals(0, w.learner().expectMessageClass(LearnerCommand.CodesComputed.class).seq());
    }
}
