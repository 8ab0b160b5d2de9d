package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.actors.cluster.ClusterNode;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Devices;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.streams.BatchSource;
import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The channel between a learner's node and a worker on another: what goes in comes out, in order, as the
 * protocol decodes it, and codes come back; a stranger's connection is refused; a worker waits for the version a
 * batch names; a break is told to the learner, and the worker drops what waited on it. Both ends in one JVM, over
 * loopback, in an actor system configured as a cluster node over plain TCP.
 */
class WorkerChannelTest {
    static final ActorTestKit testKit = ActorTestKit.create(ClusterNode.config(TrainingRun.SEED_ROLE, "127.0.0.1", 0,
            null, ClusterNode.DEFAULT_MAX_MESSAGE_BYTES, Duration.ofSeconds(5), null));
    static final WorkerChannel channel = WorkerChannel.get(testKit.system());

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static WorkerChannelClient client(WorkerCommand.ChannelOffer at, TestProbe<WorkerCommand> to) {
        return new WorkerChannelClient(at, to.getRef(), WorkerChannel.serializer(testKit.system()),
                ClusterNode.DEFAULT_MAX_MESSAGE_BYTES);
    }

    private static void awaitConnected(ActorRef<WorkerCommand> worker) {
        TestProbe<Object> waiter = testKit.createTestProbe();
        waiter.awaitAssert(Duration.ofSeconds(10), () -> {
            assertTrue(channel.connected(worker), "the worker's connection was not accepted");
            return null;
        });
    }

    private static Weights weights(long version) {
        return new Weights(version, List.of("D", "b"), new float[][]{{1.5f, -2f, (float) version}, {0.25f}});
    }

    @Test
    void messagesHandedToTheChannelArriveInOrderAsTheProtocolDecodesThem() {
        TestProbe<WorkerCommand> worker = testKit.createTestProbe();
        TestProbe<LearnerCommand> learner = testKit.createTestProbe();
        WorkerCommand.ChannelOffer at = channel.offer(worker.getRef(), learner.getRef());
        assertNotNull(at, "a cluster node over plain TCP offers the channel");
        assertEquals("127.0.0.1", at.host());
        assertFalse(channel.send(worker.getRef(), new WorkerCommand.UpdateWeights(weights(1))),
                "nothing is handed over before the worker connects");
        try (WorkerChannelClient r = client(at, worker)) {
            awaitConnected(worker.getRef());
            var rows = new WorkerCommand.InferRows(7, new int[]{3, 1, 4}, FistaParams.of(PipelineTest.config(Family.VDL, 1)),
                    2, learner.getRef());
            assertTrue(channel.send(worker.getRef(), new WorkerCommand.UpdateWeights(weights(2))));
            assertTrue(channel.send(worker.getRef(), rows));
            assertTrue(channel.send(worker.getRef(), new WorkerCommand.UpdateWeights(weights(3))));
            var first = worker.expectMessageClass(WorkerCommand.UpdateWeights.class);
            assertEquals(2, first.weights().version());
            assertEquals(List.of("D", "b"), first.weights().names());
            assertArrayEquals(weights(2).values()[0], first.weights().values()[0]);
            assertArrayEquals(weights(2).values()[1], first.weights().values()[1]);
            var second = worker.expectMessageClass(WorkerCommand.InferRows.class);
            assertEquals(7, second.seq());
            assertArrayEquals(new int[]{3, 1, 4}, second.sampleIndices());
            assertEquals(learner.getRef(), second.replyTo(), "actor references resolve as Artery's would");
            assertEquals(3, worker.expectMessageClass(WorkerCommand.UpdateWeights.class).weights().version());

            // Codes written back reach the learner the channel was offered for.
            var codes = new LearnerCommand.CodesComputed(7, 2, 2, 3, new float[]{0f, 1f, 0f, 0f, 0.5f, 2f}, null, 12.5,
                    40, worker.getRef(), 3.25);
            assertTrue(r.send(codes));
            var back = learner.expectMessageClass(LearnerCommand.CodesComputed.class);
            assertEquals(7, back.seq());
            assertArrayEquals(codes.codes(), back.codes());
            assertEquals(worker.getRef(), back.worker());

            // Forgotten (the worker left the pool): the channel ends in order, and the worker hears of it.
            channel.forget(worker.getRef());
            var closed = worker.expectMessageClass(WorkerChannelClient.Closed.class);
            assertSame(r, closed.client());
            assertTrue(closed.inOrder(), closed.why());
            assertFalse(r.send(codes), "nothing is written after the end");
            assertFalse(channel.send(worker.getRef(), new WorkerCommand.UpdateWeights(weights(4))));
        }
    }

    @Test
    void aLearnerThatStopsEndsItsOwnChannelsInOrderAndNoOtherLearners() {
        TestProbe<LearnerCommand> learner = testKit.createTestProbe();
        TestProbe<LearnerCommand> other = testKit.createTestProbe();
        TestProbe<WorkerCommand> first = testKit.createTestProbe();
        TestProbe<WorkerCommand> second = testKit.createTestProbe();
        TestProbe<WorkerCommand> notYet = testKit.createTestProbe();
        TestProbe<WorkerCommand> others = testKit.createTestProbe();
        WorkerCommand.ChannelOffer unused = channel.offer(notYet.getRef(), learner.getRef());
        try (WorkerChannelClient a = client(channel.offer(first.getRef(), learner.getRef()), first);
             WorkerChannelClient b = client(channel.offer(second.getRef(), learner.getRef()), second);
             WorkerChannelClient c = client(channel.offer(others.getRef(), other.getRef()), others)) {
            awaitConnected(first.getRef());
            awaitConnected(second.getRef());
            awaitConnected(others.getRef());
            channel.forgetLearner(learner.getRef());
            assertTrue(first.expectMessageClass(WorkerChannelClient.Closed.class).inOrder());
            assertTrue(second.expectMessageClass(WorkerChannelClient.Closed.class).inOrder());
            assertFalse(channel.connected(first.getRef()));
            assertFalse(channel.connected(second.getRef()));
            learner.expectNoMessage(Duration.ofMillis(300)); // an end in order is no break to report
            // Its offer not yet taken is withdrawn: the token no longer opens a connection.
            try (WorkerChannelClient late = client(unused, notYet)) {
                assertFalse(notYet.expectMessageClass(WorkerChannelClient.Closed.class, Duration.ofSeconds(10))
                        .inOrder());
            }
            // Another learner's channel is untouched.
            assertTrue(channel.connected(others.getRef()));
            assertTrue(channel.send(others.getRef(), new WorkerCommand.UpdateWeights(weights(5))));
            assertEquals(5, others.expectMessageClass(WorkerCommand.UpdateWeights.class).weights().version());
            channel.forget(others.getRef());
            assertTrue(others.expectMessageClass(WorkerChannelClient.Closed.class).inOrder());
        }
    }

    @Test
    void aTokenNotOfferedIsRefusedAndOneIsGoodForOneConnection() {
        TestProbe<WorkerCommand> worker = testKit.createTestProbe();
        TestProbe<LearnerCommand> learner = testKit.createTestProbe();
        WorkerCommand.ChannelOffer at = channel.offer(worker.getRef(), learner.getRef());
        TestProbe<WorkerCommand> stranger = testKit.createTestProbe();
        try (WorkerChannelClient r = client(new WorkerCommand.ChannelOffer(at.host(), at.port(), at.token() + 1),
                stranger)) {
            assertFalse(stranger.expectMessageClass(WorkerChannelClient.Closed.class, Duration.ofSeconds(10)).inOrder());
        }
        try (WorkerChannelClient r = client(at, worker)) {
            awaitConnected(worker.getRef());
            TestProbe<WorkerCommand> copy = testKit.createTestProbe();
            try (WorkerChannelClient again = client(at, copy)) {
                copy.expectMessageClass(WorkerChannelClient.Closed.class, Duration.ofSeconds(10));
            }
            // The worker's own closing is no news to it.
            r.close();
            worker.expectNoMessage(Duration.ofMillis(300));
        }
    }

    @Test
    void aFrameLongerThanTheLargestMessageIsRefusedAsCorrupt() throws Exception {
        try (ServerSocket fake = new ServerSocket(0)) {
            TestProbe<WorkerCommand> worker = testKit.createTestProbe();
            try (WorkerChannelClient r = new WorkerChannelClient(
                    new WorkerCommand.ChannelOffer("127.0.0.1", fake.getLocalPort(), 1L), worker.getRef(),
                    WorkerChannel.serializer(testKit.system()), 1 << 20)) {
                try (Socket s = fake.accept()) {
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.writeInt(2 << 20);
                    out.flush();
                    String why = worker.expectMessageClass(WorkerChannelClient.Closed.class, Duration.ofSeconds(10)).why();
                    assertTrue(why.contains("2097152 bytes") && why.contains("at most 1048576"), why);
                }
            }
        }
    }

    @Test
    void aLocalActorSystemOffersNoChannel() {
        ActorTestKit local = ActorTestKit.create();
        try {
            WorkerChannel none = WorkerChannel.get(local.system());
            assertFalse(none.enabled());
            assertNull(none.offer(local.<WorkerCommand>createTestProbe().getRef(),
                    local.<LearnerCommand>createTestProbe().getRef()));
        } finally {
            local.shutdownTestKit();
        }
    }

    @Test
    void aWorkerWaitsForTheVersionABatchNamesAndALearnerWhoseChannelBrokeInfersAgainWhatItHeld() throws Exception {
        ModelConfig c = PipelineTest.config(Family.VDL, 1);
        Dataset train = PipelineTest.data("train", 400, 64, 8);
        SparseAutoencoder model = SparseAutoencoder.initialise(c);
        Batch batch = BatchSource.of(train, c.batchSize(), c.seed(), 0, 1).runWith(Sink.head(), testKit.system())
                .toCompletableFuture().get();
        FistaParams params = FistaParams.of(c);
        TestProbe<LearnerCommand> learner = testKit.createTestProbe();
        ActorRef<WorkerCommand> worker = testKit.spawn(TrainingRun.supervisedWorker(
                ServiceKey.create(WorkerCommand.class, "pool-" + UUID.randomUUID()), Devices.cpu(),
                InferenceWorker.BeforeInference.NONE, null, NodeData.NONE));
        String json = Json.mapper().writeValueAsString(c);
        worker.tell(new WorkerCommand.Configure(json, model.exportWeights(3), null, learner.getRef(),
                channel.offer(worker, learner.getRef())));
        awaitConnected(worker);

        // Named version 4 while the worker holds 3: nothing until version 4 comes on the channel.
        worker.tell(new WorkerCommand.InferBatch(batch, params, 4, learner.getRef()));
        learner.expectNoMessage(Duration.ofMillis(300));
        assertTrue(channel.send(worker, new WorkerCommand.UpdateWeights(model.exportWeights(4))));
        var codes = learner.expectMessageClass(LearnerCommand.CodesComputed.class);
        assertEquals(4, codes.weightsVersion());
        assertEquals(batch.seq(), codes.seq());

        // Waiting for version 5 when the channel breaks: the learner is told (it infers the batch again), and the
        // worker drops the batch rather than wait for weights the break may have lost; it does not restart.
        worker.tell(new WorkerCommand.InferBatch(batch, params, 5, learner.getRef()));
        learner.expectNoMessage(Duration.ofMillis(200));
        channel.breakLink(worker);
        var broke = learner.expectMessageClass(WorkerChannel.Broke.class, Duration.ofSeconds(10));
        assertEquals(worker, broke.worker());
        assertFalse(channel.connected(worker));
        // The worker's side learns of the break from its own socket, a moment after the learner: nothing comes
        // meanwhile (no restart), and version 5 is sent after it (sent before, it could still find the batch).
        learner.expectNoMessage(Duration.ofMillis(300));
        worker.tell(new WorkerCommand.UpdateWeights(model.exportWeights(5)));
        learner.expectNoMessage(Duration.ofMillis(300)); // the dropped batch is not inferred, nor a restart told

        // Over Artery alone (configured without a channel) batches are inferred as they come; one naming a version
        // that nothing can bring any more is an error: the worker restarts and says it holds nothing.
        worker.tell(new WorkerCommand.Configure(json, model.exportWeights(6)));
        worker.tell(new WorkerCommand.InferBatch(batch, params, 6, learner.getRef()));
        assertEquals(6, learner.expectMessageClass(LearnerCommand.CodesComputed.class).weightsVersion());
        worker.tell(new WorkerCommand.InferBatch(batch, params, 7, learner.getRef()));
        assertEquals(worker, learner.expectMessageClass(LearnerCommand.WorkerReady.class, Duration.ofSeconds(10)).worker());
    }
}
