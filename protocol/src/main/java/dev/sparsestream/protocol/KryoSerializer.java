package dev.sparsestream.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.ByteBufferInput;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.sparsestream.core.model.Weights;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko's serializer for the protocol's messages (bound to them in this module's {@code reference.conf}),
 * backed by {@link ProtocolKryo}. We write it ourselves rather than use the Pekko Kryo extension: the
 * protocol needs little of it, and the explicit registration table stays in one place.
 *
 * <p>A message is {@link ProtocolKryo#PROTOCOL_VERSION} as a variable-length int, then the message with its
 * class id ({@link Kryo#writeClassAndObject}). The class id makes a manifest unnecessary; the version
 * makes a node refuse a message from a node of another build with an error that says so, instead of
 * decoding it into garbage. Actor references are written as their paths and resolved in this system.
 *
 * <p>Artery hands its own buffers to a {@link ByteBufferSerializer}: a message is encoded into a buffer this
 * serializer keeps and grows (one per pooled Kryo, so a megabyte message is not regrown from 256 bytes each time)
 * and copied once into Artery's, and read straight from Artery's. A weight version sent to several workers is
 * encoded once: the last {@link WorkerCommand.UpdateWeights} encoding is kept and copied for the same weights.
 *
 * <p>Kryo instances are not thread-safe and costly to build, so a thread-safe pool lends one to each call;
 * Pekko calls serializers from many dispatcher threads at once.
 */
public final class KryoSerializer extends JSerializer implements ByteBufferSerializer {

    /** This serializer's id in Pekko's serialization registry (values 0-40 are Pekko's); "SSP1" in ASCII. */
    public static final int IDENTIFIER = 0x53535031;

    /** A Kryo and the output buffer it encodes into, lent together. */
    private record Codec(Kryo kryo, Output output) {
    }

    /** The encoding of the last weight update, kept for the next worker that is sent the same weights. */
    private record Encoded(Weights weights, byte[] bytes) {
    }

    private final Pool<Codec> pool;
    private final AtomicReference<Encoded> lastWeights = new AtomicReference<>();

    /** Pekko instantiates serializers reflectively with the system they serve. */
    public KryoSerializer(ExtendedActorSystem system) {
        this.pool = new Pool<>(true, false) {
            // On first use, not here: Pekko builds its serializers while the system is still starting.
            @Override
            protected Codec create() {
                return new Codec(ProtocolKryo.create(Adapter.toTyped(system)), new Output(64 * 1024, -1));
            }
        };
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object message) {
        byte[] cached = cached(message);
        if (cached != null) {
            ProtocolTraffic.sent(message.getClass(), cached.length);
            return cached.clone();
        }
        Codec c = pool.obtain();
        try {
            Output output = encode(c, message);
            byte[] bytes = output.toBytes();
            if (message instanceof WorkerCommand.UpdateWeights) {
                remember(message, bytes.clone()); // the caller owns what it is given
            }
            return bytes;
        } finally {
            pool.free(c);
        }
    }

    /**
     * The message's encoding, as {@link #toBinary(Object)} gives it, for a writer that only reads it (the learner's
     * channel to a worker): a weight update's is the array kept for the next worker sent the same weights, not a copy.
     */
    public byte[] toSharedBinary(Object message) {
        byte[] cached = cached(message);
        if (cached != null) {
            ProtocolTraffic.sent(message.getClass(), cached.length);
            return cached;
        }
        Codec c = pool.obtain();
        try {
            byte[] bytes = encode(c, message).toBytes();
            remember(message, bytes);
            return bytes;
        } finally {
            pool.free(c);
        }
    }

    /** Artery's path: the message encoded into {@code buffer} from its position. */
    @Override
    public void toBinary(Object message, ByteBuffer buffer) {
        byte[] cached = cached(message);
        if (cached != null) {
            buffer.put(cached);
            ProtocolTraffic.sent(message.getClass(), cached.length);
            return;
        }
        Codec c = pool.obtain();
        try {
            Output output = encode(c, message);
            // A message larger than Artery's frame fails here, as a byte array would (BufferOverflowException).
            buffer.put(output.getBuffer(), 0, output.position());
            if (message instanceof WorkerCommand.UpdateWeights) {
                remember(message, output.toBytes());
            }
        } finally {
            pool.free(c);
        }
    }

    private Output encode(Codec c, Object message) {
        Output output = c.output();
        output.reset();
        try {
            output.writeVarInt(ProtocolKryo.PROTOCOL_VERSION, true);
            c.kryo().writeClassAndObject(output, message);
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot serialise " + message.getClass().getName() + " with protocol v"
                    + ProtocolKryo.PROTOCOL_VERSION + ": " + e.getMessage(), e);
        }
        ProtocolTraffic.sent(message.getClass(), output.position());
        return output;
    }

    private byte[] cached(Object message) {
        Encoded e = lastWeights.get();
        return e != null && message instanceof WorkerCommand.UpdateWeights u && u.weights() == e.weights()
                ? e.bytes() : null;
    }

    private void remember(Object message, byte[] bytes) {
        if (message instanceof WorkerCommand.UpdateWeights u) {
            lastWeights.set(new Encoded(u.weights(), bytes)); // weights are immutable: same object, same bytes
        }
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> expected) {
        return decode(new Input(bytes), bytes.length, expected);
    }

    /** A message from the first {@code length} bytes of {@code bytes} (a reader's reused buffer). */
    public Object fromBinary(byte[] bytes, int length) {
        return decode(new Input(bytes, 0, length), length, null);
    }

    /** Artery's path: the message read from {@code buffer}'s position to its limit, which it leaves at the limit. */
    @Override
    public Object fromBinary(ByteBuffer buffer, String manifest) {
        int size = buffer.remaining();
        Object message = decode(new ByteBufferInput(buffer.slice()), size, null);
        buffer.position(buffer.limit());
        return message;
    }

    private Object decode(Input input, int size, Class<?> expected) {
        int version;
        try {
            version = input.readVarInt(true);
        } catch (KryoException e) {
            throw new IllegalArgumentException("cannot deserialise a " + size + "-byte message: no protocol "
                    + "version in front", e);
        }
        if (version != ProtocolKryo.PROTOCOL_VERSION) {
            throw new IllegalArgumentException("message encoded with protocol version " + version + ", this node speaks "
                    + ProtocolKryo.PROTOCOL_VERSION + "; every node of a cluster must run the same sparse-stream build");
        }
        Codec c = pool.obtain();
        Object message;
        try {
            message = c.kryo().readClassAndObject(input);
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot deserialise a " + size + "-byte protocol v" + version
                    + " message: " + e.getMessage(), e);
        } finally {
            pool.free(c);
        }
        if (input.position() != size) {
            throw new IllegalArgumentException("protocol message " + (message == null ? null : message.getClass().getName())
                    + " ends at byte " + input.position() + " of " + size);
        }
        ProtocolTraffic.received(message == null ? Void.class : message.getClass(), size);
        if (expected != null && !expected.isInstance(message)) {
            throw new IllegalArgumentException("expected a " + expected.getName() + ", decoded a "
                    + (message == null ? null : message.getClass().getName()));
        }
        return message;
    }
}
