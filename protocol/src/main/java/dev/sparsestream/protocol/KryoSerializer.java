package dev.sparsestream.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
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
 * <p>Kryo instances are not thread-safe and costly to build, so a thread-safe pool lends one to each call;
 * Pekko calls serializers from many dispatcher threads at once.
 */
public final class KryoSerializer extends JSerializer {

    /** This serializer's id in Pekko's serialization registry (values 0-40 are Pekko's); "SSP1" in ASCII. */
    public static final int IDENTIFIER = 0x53535031;

    private final Pool<Kryo> pool;

    /** Pekko instantiates serializers reflectively with the system they serve. */
    public KryoSerializer(ExtendedActorSystem system) {
        this.pool = new Pool<>(true, false) {
            // On first use, not here: Pekko builds its serializers while the system is still starting.
            @Override
            protected Kryo create() {
                return ProtocolKryo.create(Adapter.toTyped(system));
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
        Kryo kryo = pool.obtain();
        try {
            Output output = new Output(256, -1);
            output.writeVarInt(ProtocolKryo.PROTOCOL_VERSION, true);
            kryo.writeClassAndObject(output, message);
            byte[] bytes = output.toBytes();
            ProtocolTraffic.sent(message.getClass(), bytes.length);
            return bytes;
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot serialise " + message.getClass().getName() + " with protocol v"
                    + ProtocolKryo.PROTOCOL_VERSION + ": " + e.getMessage(), e);
        } finally {
            pool.free(kryo);
        }
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> expected) {
        Input input = new Input(bytes);
        int version;
        try {
            version = input.readVarInt(true);
        } catch (KryoException e) {
            throw new IllegalArgumentException("cannot deserialise a " + bytes.length + "-byte message: no protocol "
                    + "version in front", e);
        }
        if (version != ProtocolKryo.PROTOCOL_VERSION) {
            throw new IllegalArgumentException("message encoded with protocol version " + version + ", this node speaks "
                    + ProtocolKryo.PROTOCOL_VERSION + "; every node of a cluster must run the same sparse-stream build");
        }
        Kryo kryo = pool.obtain();
        Object message;
        try {
            message = kryo.readClassAndObject(input);
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot deserialise a " + bytes.length + "-byte protocol v" + version
                    + " message: " + e.getMessage(), e);
        } finally {
            pool.free(kryo);
        }
        if (input.position() != bytes.length) {
            throw new IllegalArgumentException("protocol message " + (message == null ? null : message.getClass().getName())
                    + " ends at byte " + input.position() + " of " + bytes.length);
        }
        ProtocolTraffic.received(message == null ? Void.class : message.getClass(), bytes.length);
        if (expected != null && !expected.isInstance(message)) {
            throw new IllegalArgumentException("expected a " + expected.getName() + ", decoded a "
                    + (message == null ? null : message.getClass().getName()));
        }
        return message;
    }
}
