package dev.sparsestream.protocol;

import static dev.sparsestream.protocol.DeepEquals.assertDeepEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.AdamOptimizer;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.Summary;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class ProtocolKryoTest {

    private static ActorTestKit testKit;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static List<Object> messages() {
        return Samples.messages(testKit.<WorkerCommand>createTestProbe().ref(),
                testKit.<LearnerCommand>createTestProbe().ref(), testKit.<ControlReply>createTestProbe().ref(),
                testKit.<MonitorState>createTestProbe().ref());
    }

    private static byte[] write(Kryo kryo, Object o) {
        Output output = new Output(256, -1);
        kryo.writeClassAndObject(output, o);
        return output.toBytes();
    }

    private static Object read(Kryo kryo, byte[] bytes) {
        Input input = new Input(bytes);
        Object o = kryo.readClassAndObject(input);
        assertEquals(bytes.length, input.position(), "bytes left after " + o);
        return o;
    }

    /** The ids are the wire format: this copy of the table fails when one changes by accident. */
    @Test
    void registrationIdsAreTheDocumentedOnes() {
        Map<Integer, Class<?>> expected = new LinkedHashMap<>();
        expected.put(20, float[].class);
        expected.put(21, float[][].class);
        expected.put(22, ArrayList.class);
        expected.put(23, List.of("one").getClass());
        expected.put(24, List.of("one", "two", "three").getClass());
        expected.put(25, ActorRef.class);
        expected.put(26, int[].class);
        expected.put(30, FistaParams.class);
        expected.put(31, Weights.class);
        expected.put(32, Energy.class);
        expected.put(33, CodeStats.class);
        expected.put(34, BatchMetrics.class);
        expected.put(35, Summary.class);
        expected.put(36, EpochReport.class);
        expected.put(37, AdamOptimizer.State.class);
        expected.put(50, Batch.class);
        expected.put(51, BatchRecord.class);
        expected.put(52, LambdaChange.class);
        expected.put(53, MonitorState.class);
        expected.put(54, Snapshot.class);
        expected.put(55, LearnerStatus.class);
        expected.put(60, ControlReply.Accepted.class);
        expected.put(61, ControlReply.Rejected.class);
        expected.put(70, WorkerCommand.UpdateWeights.class);
        expected.put(71, WorkerCommand.InferBatch.class);
        expected.put(72, WorkerCommand.Configure.class);
        expected.put(73, WorkerCommand.TrainingRows.class);
        expected.put(74, WorkerCommand.InferRows.class);
        expected.put(75, WorkerCommand.ChannelOffer.class);
        expected.put(80, LearnerCommand.WorkerReady.class);
        expected.put(81, LearnerCommand.CodesComputed.class);
        expected.put(82, LearnerCommand.EpochValidated.class);
        expected.put(83, LearnerCommand.SetLambda.class);
        expected.put(84, LearnerCommand.TakeSnapshot.class);
        expected.put(85, LearnerCommand.Stop.class);
        expected.put(86, LearnerCommand.Pause.class);
        expected.put(87, LearnerCommand.Resume.class);
        expected.put(88, LearnerCommand.GetStatus.class);
        expected.put(89, LearnerCommand.DataRead.class);
        expected.put(90, MonitorCommand.BatchApplied.class);
        expected.put(91, MonitorCommand.LambdaChanged.class);
        expected.put(92, MonitorCommand.EpochFinished.class);
        expected.put(93, MonitorCommand.GetState.class);
        expected.put(94, MonitorCommand.Restore.class);
        assertEquals(expected, ProtocolKryo.registrations());

        Kryo kryo = ProtocolKryo.create();
        for (Map.Entry<Integer, Class<?>> e : expected.entrySet()) {
            assertEquals(e.getValue(), kryo.getRegistration(e.getKey()).getType(), "id " + e.getKey());
            assertEquals(e.getKey(), kryo.getRegistration(e.getValue()).getId(), e.getValue().getName());
        }
        assertEquals(String.class, kryo.getRegistration(1).getType(), "Kryo's own ids stay below 20");
    }

    @Test
    void floatArraysAreWrittenByteForByteAsKrysOwnSerializerWritesThem() {
        // The bulk serializer must keep the snapshot format: compare with Kryo's per-value one, both directions.
        Kryo reference = new Kryo();
        reference.register(float[].class, new com.esotericsoftware.kryo.serializers.DefaultArraySerializers
                .FloatArraySerializer(), 20);
        Kryo ours = ProtocolKryo.create();
        java.util.Random random = new java.util.Random(21);
        for (int n : new int[]{0, 1, 3, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_003}) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = i % 7 == 0 ? -0f : i % 11 == 0 ? Float.MIN_VALUE : (float) random.nextGaussian() * 1e3f;
            }
            Output expected = new Output(64, -1);
            reference.writeObjectOrNull(expected, a, float[].class);
            Output actual = new Output(64, -1);
            ours.writeObjectOrNull(actual, a, float[].class);
            assertTrue(java.util.Arrays.equals(expected.toBytes(), actual.toBytes()), n + " floats");
            float[] back = ours.readObjectOrNull(new Input(expected.toBytes()), float[].class);
            assertTrue(java.util.Arrays.equals(a, back), n + " floats read back");
        }
        Output nulls = new Output(8, -1);
        ours.writeObjectOrNull(nulls, null, float[].class);
        assertEquals(null, reference.readObjectOrNull(new Input(nulls.toBytes()), float[].class));
    }

    @Test
    void everyMessageClassHasASampleAndEveryReachableClassIsRegistered() {
        Set<Class<?>> messageClasses = new HashSet<>();
        for (Class<?> root : List.of(WorkerCommand.class, LearnerCommand.class, MonitorCommand.class,
                ControlReply.class)) {
            collectPermitted(root, messageClasses);
        }
        messageClasses.addAll(List.of(Batch.class, BatchRecord.class, LambdaChange.class, MonitorState.class,
                Snapshot.class, LearnerStatus.class));
        Set<Class<?>> sampled = new HashSet<>();
        messages().forEach(m -> sampled.add(m.getClass()));
        assertEquals(messageClasses, sampled, "every message record needs a sample in Samples.messages");

        Set<Class<?>> reachable = new HashSet<>();
        messageClasses.forEach(c -> collectReachable(c, reachable));
        Kryo kryo = ProtocolKryo.create();
        for (Class<?> c : reachable) {
            assertTrue(kryo.getClassResolver().getRegistration(c) != null, c + " is not registered");
        }
        assertTrue(reachable.contains(AdamOptimizer.State.class) && reachable.contains(Energy.class),
                "the walk reaches core records: " + reachable);
    }

    private static void collectPermitted(Class<?> c, Set<Class<?>> into) {
        if (c.isRecord()) {
            into.add(c);
        } else if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
                collectPermitted(sub, into);
            }
        } else if (!NoSerializationVerificationNeeded.class.isAssignableFrom(c)) {
            throw new AssertionError(c + " is neither a record nor sealed nor local-only");
        }
    }

    /**
     * The classes a value of type {@code t} can contain, following record components, list element types
     * and sealed interfaces' permitted classes; Kryo's built-in types (primitives, String) are left out.
     */
    private static void collectReachable(Type t, Set<Class<?>> into) {
        if (t instanceof ParameterizedType p) {
            collectReachable(p.getRawType(), into);
            if (p.getRawType() == ActorRef.class) {
                return; // a reference travels as its path, whatever messages it accepts
            }
            for (Type arg : p.getActualTypeArguments()) {
                collectReachable(arg, into);
            }
            return;
        }
        Class<?> c = (Class<?>) t;
        if (c.isPrimitive() || c == String.class || c == List.class) {
            return;
        }
        if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
                collectReachable(sub, into);
            }
            return;
        }
        if (!into.add(c)) {
            return;
        }
        if (c.isArray()) {
            collectReachable(c.getComponentType(), into);
        } else if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                collectReachable(rc.getGenericType(), into);
            }
        }
    }

    @Test
    void codesLeftOnTheLearnersNodeComeWithoutAnEncoderPassAndSentCodesMustFitTheirShape() {
        IllegalArgumentException pass = assertThrows(IllegalArgumentException.class,
                () -> new LearnerCommand.CodesComputed(5, 9, 2, 3, null, new float[6], 1, 1, null));
        assertTrue(pass.getMessage().contains("without the codes"), pass.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new LearnerCommand.CodesComputed(5, 9, 2, 3, new float[5], null, 1, 1, null));
        assertTrue(shape.getMessage().contains("5 values for 2 x 3"), shape.getMessage());
    }

    @Test
    void everyMessageRoundTripsByValue() {
        Kryo kryo = ProtocolKryo.create(testKit.system());
        for (Object message : messages()) {
            Object back = read(kryo, write(kryo, message));
            assertNotSame(message, back);
            assertDeepEquals(message, back);
        }
    }

    @Test
    void snapshotsRoundTripWithoutAnActorSystem() {
        Kryo kryo = ProtocolKryo.create();
        for (Object value : List.of(Samples.snapshot("periodic", 3, true), Samples.snapshot("periodic", 3, false),
                Samples.monitorState())) {
            assertDeepEquals(value, read(kryo, write(kryo, value)));
        }
    }

    @Test
    void theComparisonSeesAChangedFloatDeepInside() {
        Snapshot a = Samples.snapshot("x", 3, true);
        float[][] moments = a.decoderAdam().moments().clone();
        moments[0] = moments[0].clone();
        moments[0][1] += 1e-6f;
        Snapshot b = new Snapshot(a.projectVersion(), a.configJson(), a.weights(),
                new AdamOptimizer.State(a.decoderAdam().step(), a.decoderAdam().learningRate(), moments),
                a.encoderAdam(), a.lambda(), a.lambdaHistory(), a.nextSeq(), a.monitor(), a.createdEpochMillis(),
                a.reason());
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> assertDeepEquals(a, b));
        assertTrue(e.getMessage().contains("decoderAdam.moments[0]"), e.getMessage());
    }

    @Test
    void anActorRefNeedsAnActorSystem() {
        Kryo kryo = ProtocolKryo.create();
        Object message = new LearnerCommand.WorkerReady(testKit.<WorkerCommand>createTestProbe().ref());
        KryoException e = assertThrows(KryoException.class, () -> write(kryo, message));
        assertTrue(e.getMessage().contains("without an ActorSystem"), e.getMessage());
    }

    record Stranger(int x) {
    }

    @Test
    void unregisteredClassesAreRefused() {
        Kryo kryo = ProtocolKryo.create(testKit.system());
        IllegalArgumentException top = assertThrows(IllegalArgumentException.class, () -> write(kryo, new Stranger(1)));
        assertTrue(top.getMessage().contains("Class is not registered: " + Stranger.class.getName()), top.getMessage());

        @SuppressWarnings({"unchecked", "rawtypes"})
        MonitorState smuggled = new MonitorState((List) List.of(new Stranger(2)), List.of(), 0, 1, Samples.weights(0));
        KryoException nested = assertThrows(KryoException.class, () -> write(kryo, smuggled));
        assertTrue(nested.getMessage().contains("Class is not registered: " + Stranger.class.getName()),
                nested.getMessage());

        Output output = new Output(8);
        output.writeVarInt(999 + 2, true); // Kryo writes class id + 2 (0 and 1 mean null and "by name")
        KryoException unknownId = assertThrows(KryoException.class, () -> read(kryo, output.toBytes()));
        assertTrue(unknownId.getMessage().contains("unregistered class ID: 999"), unknownId.getMessage());
    }

    @Test
    void anyListIsReadBackAsAnUnmodifiableList() {
        Kryo kryo = ProtocolKryo.create();
        List<Object> mutable = new ArrayList<>(List.of("a", new LambdaChange(3, 0.5), "c"));
        Object back = read(kryo, write(kryo, mutable));
        assertDeepEquals(mutable, back);
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) back).add("d"));
        assertEquals(List.of(), read(kryo, write(kryo, List.of())));
        assertEquals(List.of("x"), read(kryo, write(kryo, List.of("x"))));

        List<Object> withNull = new ArrayList<>();
        withNull.add(null);
        KryoException e = assertThrows(KryoException.class, () -> write(kryo, withNull));
        assertTrue(e.getMessage().contains("null-free"), e.getMessage());
    }
}
