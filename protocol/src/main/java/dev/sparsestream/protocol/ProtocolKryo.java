package dev.sparsestream.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.AdamOptimizer;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.Summary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Builds the Kryo instances that encode the protocol: actor messages between nodes (through
 * {@link KryoSerializer}) and the payload of snapshot files (through {@link SnapshotFiles}).
 *
 * <p>Every class that may appear in a message is registered with an explicit, fixed id and registration
 * is required, so the bytes name classes by small numbers that do not depend on registration order or
 * class names, and a class nobody registered is refused instead of being written by name (which would
 * let any class on the classpath be instantiated by a peer). The ids are the wire contract:
 *
 * <table>
 *   <caption>Registration ids (0-9 are Kryo's own: int, String, float, boolean, byte, char, short, long,
 *   double, void)</caption>
 *   <tr><th>id</th><th>class</th><th>serializer</th></tr>
 *   <tr><td>20</td><td>float[]</td><td>Kryo's float array format, written and read in bulk</td></tr>
 *   <tr><td>21</td><td>float[][]</td><td>Kryo's object array serializer</td></tr>
 *   <tr><td>22</td><td>java.util.ArrayList</td><td>a list serializer (size, then elements)</td></tr>
 *   <tr><td>23</td><td>java.util.ImmutableCollections$List12 (List.of / List.copyOf, 1-2 elements)</td>
 *       <td>a list serializer (size, then elements)</td></tr>
 *   <tr><td>24</td><td>java.util.ImmutableCollections$ListN (List.of / List.copyOf, 0 or 3+ elements)</td>
 *       <td>a list serializer (size, then elements)</td></tr>
 *   <tr><td>25</td><td>org.apache.pekko.actor.typed.ActorRef (any implementation)</td>
 *       <td>the ActorRefResolver string form</td></tr>
 *   <tr><td>26</td><td>int[]</td><td>Kryo's int array serializer</td></tr>
 *   <tr><td>30-37</td><td>core: FistaParams, Weights, Energy, CodeStats, BatchMetrics, Summary, EpochReport,
 *       AdamOptimizer.State</td><td>record</td></tr>
 *   <tr><td>50-55</td><td>Batch, BatchRecord, LambdaChange, MonitorState, Snapshot, LearnerStatus</td><td>record</td></tr>
 *   <tr><td>60-61</td><td>ControlReply: Accepted, Rejected</td><td>record</td></tr>
 *   <tr><td>70-75</td><td>WorkerCommand: UpdateWeights, InferBatch, Configure, TrainingRows, InferRows,
 *       WorkerChannel</td>
 *       <td>record</td></tr>
 *   <tr><td>80-89</td><td>LearnerCommand: WorkerReady, CodesComputed, EpochValidated, SetLambda, TakeSnapshot,
 *       Stop, Pause, Resume, GetStatus, DataRead</td><td>record</td></tr>
 *   <tr><td>90-94</td><td>MonitorCommand: BatchApplied, LambdaChanged, EpochFinished, GetState, Restore</td>
 *       <td>record</td></tr>
 * </table>
 *
 * <p>{@link #registrations()} is the exact table. Records go through Kryo's {@link RecordSerializer}, which
 * writes the components and rebuilds the record with its canonical constructor, so the records' own
 * validation and defensive copies run on the receiving side too. {@link LearnerCommand.Local} messages
 * are deliberately absent: they never leave their node.
 *
 * <p>Changing the table or the shape of a registered record changes the bytes; bump
 * {@link #PROTOCOL_VERSION} then (and {@link SnapshotFiles#FORMAT_VERSION} when a class reachable from
 * {@link Snapshot} changed), and only ever append new ids.
 */
public final class ProtocolKryo {

    /**
     * The version of the message encoding. {@link KryoSerializer} writes it in front of every message and
     * refuses messages of another version, so nodes of different builds fail loudly instead of misreading
     * each other; a cluster compares it when a node joins and refuses a node of another version.
     */
    public static final int PROTOCOL_VERSION = 9;

    private static final Map<Integer, Class<?>> REGISTRATIONS = table();

    private ProtocolKryo() {
    }

    /**
     * A Kryo for data without actor references (snapshots, tests): writing or reading an
     * {@link ActorRef} with it fails, because a reference is only meaningful inside a running actor system.
     */
    public static Kryo create() {
        return build(null);
    }

    /** A Kryo that writes {@link ActorRef}s as their {@link ActorRefResolver} string form in {@code system}. */
    public static Kryo create(ActorSystem<?> system) {
        return build(Objects.requireNonNull(system, "system"));
    }

    /** Registration id to class, in id order; the contract described in the class comment. */
    public static Map<Integer, Class<?>> registrations() {
        return REGISTRATIONS;
    }

    private static Map<Integer, Class<?>> table() {
        Map<Integer, Class<?>> t = new LinkedHashMap<>();
        t.put(20, float[].class);
        t.put(21, float[][].class);
        t.put(22, ArrayList.class);
        t.put(23, List.of(1).getClass());
        t.put(24, List.of().getClass());
        t.put(25, ActorRef.class);
        t.put(26, int[].class);

        t.put(30, FistaParams.class);
        t.put(31, Weights.class);
        t.put(32, Energy.class);
        t.put(33, CodeStats.class);
        t.put(34, BatchMetrics.class);
        t.put(35, Summary.class);
        t.put(36, EpochReport.class);
        t.put(37, AdamOptimizer.State.class);

        t.put(50, Batch.class);
        t.put(51, BatchRecord.class);
        t.put(52, LambdaChange.class);
        t.put(53, MonitorState.class);
        t.put(54, Snapshot.class);
        t.put(55, LearnerStatus.class);

        t.put(60, ControlReply.Accepted.class);
        t.put(61, ControlReply.Rejected.class);

        t.put(70, WorkerCommand.UpdateWeights.class);
        t.put(71, WorkerCommand.InferBatch.class);
        t.put(72, WorkerCommand.Configure.class);
        t.put(73, WorkerCommand.TrainingRows.class);
        t.put(74, WorkerCommand.InferRows.class);
        t.put(75, WorkerCommand.ChannelOffer.class);

        t.put(80, LearnerCommand.WorkerReady.class);
        t.put(81, LearnerCommand.CodesComputed.class);
        t.put(82, LearnerCommand.EpochValidated.class);
        t.put(83, LearnerCommand.SetLambda.class);
        t.put(84, LearnerCommand.TakeSnapshot.class);
        t.put(85, LearnerCommand.Stop.class);
        t.put(86, LearnerCommand.Pause.class);
        t.put(87, LearnerCommand.Resume.class);
        t.put(88, LearnerCommand.GetStatus.class);
        t.put(89, LearnerCommand.DataRead.class);

        t.put(90, MonitorCommand.BatchApplied.class);
        t.put(91, MonitorCommand.LambdaChanged.class);
        t.put(92, MonitorCommand.EpochFinished.class);
        t.put(93, MonitorCommand.GetState.class);
        t.put(94, MonitorCommand.Restore.class);
        if (t.get(23) == t.get(24)) {
            throw new IllegalStateException("this JDK's List.of(x) and List.of() share a class; ids 23 and 24 assume not");
        }
        return Collections.unmodifiableMap(t);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Kryo build(ActorSystem<?> system) {
        Kryo kryo = new Kryo(new ProtocolClassResolver(), null);
        kryo.setRegistrationRequired(true);
        // The protocol's object graphs are trees of immutable values: no shared or cyclic references to track.
        kryo.setReferences(false);
        ListSerializer lists = new ListSerializer();
        for (Map.Entry<Integer, Class<?>> e : REGISTRATIONS.entrySet()) {
            Class type = e.getValue();
            Serializer<?> serializer;
            if (type == float[].class) {
                serializer = new FloatArraySerializer();
            } else if (type == int[].class) {
                serializer = new DefaultArraySerializers.IntArraySerializer();
            } else if (type == float[][].class) {
                serializer = new DefaultArraySerializers.ObjectArraySerializer(kryo, float[][].class);
            } else if (List.class.isAssignableFrom(type)) {
                serializer = lists;
            } else if (type == ActorRef.class) {
                serializer = new ActorRefSerializer(system);
            } else if (type.isRecord()) {
                serializer = new RecordSerializer(type);
            } else {
                throw new IllegalStateException("no serializer chosen for " + type);
            }
            kryo.register(type, serializer, e.getKey());
        }
        return kryo;
    }

    /**
     * Maps every implementation of the typed {@link ActorRef} (adapters, the system itself, test probes'
     * refs) to the single registration of the interface: what goes on the wire is the reference's path,
     * never its implementation class.
     */
    private static final class ProtocolClassResolver extends DefaultClassResolver {
        @Override
        public Registration getRegistration(Class type) {
            Registration r = super.getRegistration(type);
            if (r == null && type != null && ActorRef.class.isAssignableFrom(type)) {
                return super.getRegistration(ActorRef.class);
            }
            return r;
        }
    }

    /**
     * Kryo's float array format (the length + 1 as a variable-length int, 0 for null, then each value's bits,
     * little-endian) without its per-value loop: the values go through a heap buffer's bulk copy, a block at a
     * time. Weights, batches and codes are almost all floats, and the per-value loop was most of their encoding
     * time. Byte for byte what {@link DefaultArraySerializers.FloatArraySerializer} writes (a test checks), so the
     * snapshot format does not change.
     */
    static final class FloatArraySerializer extends Serializer<float[]> {
        private static final int BLOCK = 16 * 1024; // floats per copy: 64 KB, in cache
        private final byte[] block = new byte[BLOCK * Float.BYTES]; // one Kryo, one thread at a time
        private final java.nio.FloatBuffer floats = java.nio.ByteBuffer.wrap(block)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();

        FloatArraySerializer() {
            setAcceptsNull(true);
        }

        @Override
        public void write(Kryo kryo, Output output, float[] array) {
            if (array == null) {
                output.writeVarInt(Kryo.NULL, true);
                return;
            }
            output.writeVarInt(array.length + 1, true);
            for (int from = 0; from < array.length; from += BLOCK) {
                int n = Math.min(BLOCK, array.length - from);
                floats.clear();
                floats.put(array, from, n);
                output.writeBytes(block, 0, n * Float.BYTES);
            }
        }

        @Override
        public float[] read(Kryo kryo, Input input, Class<? extends float[]> type) {
            int length = input.readVarInt(true);
            if (length == Kryo.NULL) {
                return null;
            }
            float[] array = new float[length - 1];
            for (int from = 0; from < array.length; from += BLOCK) {
                int n = Math.min(BLOCK, array.length - from);
                input.readBytes(block, 0, n * Float.BYTES);
                floats.clear();
                floats.get(array, from, n);
            }
            return array;
        }
    }

    /**
     * Writes any {@link List} as its size and its elements (each with its class id), and reads an
     * unmodifiable {@link List#of} list back, the form the protocol's records keep after {@link List#copyOf}.
     * Null elements are refused, as {@code List.copyOf} refuses them.
     */
    static final class ListSerializer extends Serializer<List<?>> {
        ListSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            int i = 0;
            for (Object element : list) {
                if (element == null) {
                    throw new KryoException("list element " + i + " is null; protocol lists are null-free");
                }
                kryo.writeClassAndObject(output, element);
                i++;
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            int size = input.readVarInt(true);
            Object[] elements = new Object[size];
            for (int i = 0; i < size; i++) {
                elements[i] = kryo.readClassAndObject(input);
                if (elements[i] == null) {
                    throw new KryoException("list element " + i + " of " + size + " is null; protocol lists are null-free");
                }
            }
            return List.of(elements);
        }
    }

    /**
     * Writes a typed {@link ActorRef} as its {@link ActorRefResolver#toSerializationFormat} string (its full
     * path with the node's address and the actor's uid) and resolves it back in the reading system.
     * Without a system it refuses both directions: an actor reference stored outside a running system
     * (in a snapshot, say) could never be resolved again.
     */
    static final class ActorRefSerializer extends Serializer<ActorRef<?>> {
        private final ActorSystem<?> system;
        private ActorRefResolver resolver;

        ActorRefSerializer(ActorSystem<?> system) {
            this.system = system;
            setImmutable(true);
        }

        private ActorRefResolver resolver(String what) {
            if (system == null) {
                throw new KryoException("cannot " + what + ": this Kryo was made by ProtocolKryo.create() without an "
                        + "ActorSystem; actor references only travel as actor messages (ProtocolKryo.create(system), "
                        + "KryoSerializer) and never belong in snapshots");
            }
            // Looked up on first use: the serializer may be created while the actor system is still starting.
            if (resolver == null) {
                resolver = ActorRefResolver.get(system);
            }
            return resolver;
        }

        @Override
        public void write(Kryo kryo, Output output, ActorRef<?> ref) {
            output.writeString(resolver("serialise ActorRef " + ref).toSerializationFormat(ref));
        }

        @Override
        public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
            String path = input.readString();
            return resolver("deserialise ActorRef " + path).resolveActorRef(path);
        }
    }
}
