package dev.sparsestream.protocol;

import static dev.sparsestream.protocol.DeepEquals.assertDeepEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import dev.sparsestream.core.train.LambdaChange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The serializer as Pekko uses it: found through this module's reference.conf bindings. */
class KryoSerializerTest {

    private static ActorTestKit testKit;
    private static Serialization serialization;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static Object roundTrip(Object message) {
        Serializer serializer = serialization.findSerializerFor(message);
        assertInstanceOf(KryoSerializer.class, serializer, message.getClass().getName());
        assertEquals(KryoSerializer.IDENTIFIER, serializer.identifier());
        byte[] bytes = serialization.serialize(message).get();
        return serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message))
                .get();
    }

    private static KryoSerializer serializer() throws java.io.NotSerializableException {
        return (KryoSerializer) serialization.serializerFor(Batch.class);
    }

    @Test
    void trafficCountsTheBytesOfEveryMessageWrittenAndRead() throws Exception {
        // The counters are the JVM's (tests run one at a time): compare differences.
        var before = ProtocolTraffic.of(WorkerCommand.UpdateWeights.class);
        var weightsBefore = ProtocolTraffic.weightsSent();
        WorkerCommand.UpdateWeights m = new WorkerCommand.UpdateWeights(Samples.weights(3));
        byte[] bytes = serializer().toBinary(m);
        serializer().fromBinary(bytes, WorkerCommand.UpdateWeights.class);
        var after = ProtocolTraffic.of(WorkerCommand.UpdateWeights.class);
        assertEquals(1, after.sent().messages() - before.sent().messages());
        assertEquals(bytes.length, after.sent().bytes() - before.sent().bytes());
        assertEquals(1, after.received().messages() - before.received().messages());
        assertEquals(bytes.length, after.received().bytes() - before.received().bytes());
        assertEquals(bytes.length, ProtocolTraffic.weightsSent().bytes() - weightsBefore.bytes());
        // The weights' floats dominate: 4 bytes each, plus names, lengths and the header.
        assertTrue(bytes.length >= 4 * m.weights().size(), bytes.length + " bytes");
        assertTrue(ProtocolTraffic.all().containsKey("WorkerCommand.UpdateWeights"), ProtocolTraffic.all().toString());
    }

    @Test
    void everyMessageRoundTripsThroughPekkoSerialization() {
        List<Object> messages = Samples.messages(testKit.<WorkerCommand>createTestProbe().ref(),
                testKit.<LearnerCommand>createTestProbe().ref(), testKit.<ControlReply>createTestProbe().ref(),
                testKit.<MonitorState>createTestProbe().ref());
        for (Object message : messages) {
            assertDeepEquals(message, roundTrip(message));
        }
    }

    @Test
    void everyMessageRoundTripsThroughArteryStyleBuffers() throws Exception {
        // Artery encodes into its own direct buffer after its header and reads from it: the same bytes as the
        // array path, wherever the message starts.
        List<Object> messages = Samples.messages(testKit.<WorkerCommand>createTestProbe().ref(),
                testKit.<LearnerCommand>createTestProbe().ref(), testKit.<ControlReply>createTestProbe().ref(),
                testKit.<MonitorState>createTestProbe().ref());
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
        for (Object message : messages) {
            buffer.clear().position(28);
            serializer().toBinary(message, buffer);
            int end = buffer.position();
            byte[] array = serializer().toBinary(message);
            assertEquals(array.length, end - 28, message.getClass().getName());
            byte[] written = new byte[array.length];
            buffer.get(28, written);
            assertTrue(java.util.Arrays.equals(array, written), message.getClass().getName());
            buffer.limit(end).position(28);
            assertDeepEquals(message, serializer().fromBinary(buffer, ""));
            assertEquals(end, buffer.position(), "the whole message is consumed");
        }
    }

    @Test
    void aKeptWeightEncodingIsOnlyReusedForTheSameWeights() throws Exception {
        var first = new WorkerCommand.UpdateWeights(Samples.weights(4));
        var sameVersionOtherValues = new WorkerCommand.UpdateWeights(new dev.sparsestream.core.model.Weights(4,
                List.of("U", "S", "b", "W"), new float[][]{{9f, 8f, 7f, 6f, 5f, 4f}, {1f, 2f, 3f, 4f}, {0f, 1f}, {}}));
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 16);
        for (var m : List.of(first, new WorkerCommand.UpdateWeights(first.weights()), sameVersionOtherValues,
                first)) {
            buffer.clear();
            serializer().toBinary(m, buffer);
            buffer.flip();
            assertDeepEquals(m, serializer().fromBinary(buffer, ""));
            assertDeepEquals(m, serializer().fromBinary(serializer().toBinary(m), WorkerCommand.UpdateWeights.class));
        }
        byte[] given = serializer().toBinary(first);
        given[given.length - 1] ^= 1; // the caller's copy, not the kept one
        assertDeepEquals(first, serializer().fromBinary(serializer().toBinary(first), WorkerCommand.UpdateWeights.class));
    }

    @Test
    void aMessageLargerThanArterysBufferFailsAsItDidWithAnArray() throws Exception {
        java.nio.ByteBuffer small = java.nio.ByteBuffer.allocate(16);
        assertThrows(java.nio.BufferOverflowException.class,
                () -> serializer().toBinary(new WorkerCommand.UpdateWeights(Samples.weights(5)), small));
    }

    @Test
    void aDeserialisedActorRefIsTheSameActor() {
        TestProbe<WorkerCommand> worker = testKit.createTestProbe();
        LearnerCommand.WorkerReady back = (LearnerCommand.WorkerReady) roundTrip(new LearnerCommand.WorkerReady(worker.ref()));
        assertEquals(worker.ref(), back.worker());
        WorkerCommand.UpdateWeights update = new WorkerCommand.UpdateWeights(Samples.weights(1));
        back.worker().tell(update);
        assertEquals(update, worker.receiveMessage());
    }

    @Test
    void aMessageFromAnotherProtocolVersionIsRefused() throws Exception {
        byte[] bytes = serializer().toBinary(new LambdaChange(1, 0.5));
        assertEquals(ProtocolKryo.PROTOCOL_VERSION, bytes[0], "a one-byte varint leads");
        bytes[0] = (byte) (ProtocolKryo.PROTOCOL_VERSION + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> serializer().fromBinary(bytes, LambdaChange.class));
        assertTrue(e.getMessage().contains("protocol version " + (ProtocolKryo.PROTOCOL_VERSION + 1) + ", this node speaks "
                + ProtocolKryo.PROTOCOL_VERSION), e.getMessage());
    }

    record Stranger(int x) {
    }

    @Test
    void unregisteredClassesAreRefusedBothWays() throws Exception {
        IllegalArgumentException write = assertThrows(IllegalArgumentException.class,
                () -> serializer().toBinary(new Stranger(1)));
        assertTrue(write.getMessage().contains("Class is not registered: " + Stranger.class.getName()),
                write.getMessage());

        Output output = new Output(8);
        output.writeVarInt(ProtocolKryo.PROTOCOL_VERSION, true);
        output.writeVarInt(500 + 2, true);
        IllegalArgumentException read = assertThrows(IllegalArgumentException.class,
                () -> serializer().fromBinary(output.toBytes()));
        assertTrue(read.getMessage().contains("unregistered class ID: 500"), read.getMessage());
    }

    @Test
    void extraBytesAndWrongExpectedClassesAreRefused() throws Exception {
        byte[] bytes = serializer().toBinary(new LambdaChange(1, 0.5));
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> serializer().fromBinary(longer));
        assertTrue(extra.getMessage().contains("ends at byte " + bytes.length + " of " + longer.length),
                extra.getMessage());
        IllegalArgumentException wrongClass = assertThrows(IllegalArgumentException.class,
                () -> serializer().fromBinary(bytes, Batch.class));
        assertTrue(wrongClass.getMessage().contains("expected a " + Batch.class.getName()), wrongClass.getMessage());
    }

    /** Pekko calls one serializer from many threads; each call borrows its own Kryo from the pool. */
    @Test
    void concurrentCallsDoNotInterfere() throws Exception {
        KryoSerializer serializer = serializer();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                tasks.add(() -> {
                    for (int i = 0; i < 200; i++) {
                        Object message = i % 2 == 0 ? new LambdaChange(thread * 1000L + i, i)
                                : new WorkerCommand.UpdateWeights(Samples.weights(thread * 1000L + i));
                        assertDeepEquals(message, serializer.fromBinary(serializer.toBinary(message)));
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
