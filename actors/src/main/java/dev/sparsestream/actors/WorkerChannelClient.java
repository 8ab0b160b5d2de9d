package dev.sparsestream.actors;

import dev.sparsestream.protocol.KryoSerializer;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.ProtocolKryo;
import dev.sparsestream.protocol.WorkerCommand;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A worker's end of the learner's {@link WorkerChannel}: a thread that connects, presents the token it was offered,
 * and tells the worker each weight version and batch it reads (decoded by the protocol's serializer, as if Artery had
 * delivered them); the worker writes its codes back with {@link #send}. When the channel ends without the worker
 * closing it, the worker is told {@link Closed}.
 */
final class WorkerChannelClient implements AutoCloseable {

    /**
     * The channel ended before the worker closed it: in order (the learner's end said so; nothing it sent is lost)
     * or broken.
     */
    record Closed(WorkerChannelClient client, boolean inOrder, String why) implements WorkerCommand.Local {
    }

    private final WorkerCommand.ChannelOffer at;
    private final ActorRef<WorkerCommand> worker;
    private final KryoSerializer kryo;
    private final long maxBytes;
    private final Socket socket = new Socket();
    private DataOutputStream out;        // guarded by this; set once the hello is written
    private volatile boolean writable;   // the hello is written and no write failed
    private volatile boolean closed;

    /**
     * Starts connecting.
     *
     * @param maxBytes the largest message this node accepts ({@code maximum-large-frame-size}): a longer frame is
     *                 refused as corrupt rather than allocated
     */
    WorkerChannelClient(WorkerCommand.ChannelOffer at, ActorRef<WorkerCommand> worker, KryoSerializer kryo,
                        long maxBytes) {
        this.at = at;
        this.worker = worker;
        this.kryo = kryo;
        this.maxBytes = maxBytes;
        Thread t = new Thread(this::run, "sparse-stream-channel-from-" + at.host() + ":" + at.port());
        t.setDaemon(true);
        t.start();
    }

    WorkerCommand.ChannelOffer offer() {
        return at;
    }

    /**
     * Writes {@code codes} to the learner, on the caller's thread (the worker's: no thread to wake on a node whose
     * one core is busy); false when the channel is not connected or the write failed: then the caller tells them
     * over Artery, and nothing is lost.
     */
    boolean send(LearnerCommand.CodesComputed codes) {
        if (!writable) {
            return false;
        }
        byte[] bytes = kryo.toSharedBinary(codes);
        synchronized (this) {
            try {
                out.writeInt(bytes.length);
                out.write(bytes);
                out.flush();
                return true;
            } catch (IOException e) {
                writable = false; // the reader sees the break too and tells the worker
                return false;
            }
        }
    }

    private void run() {
        boolean inOrder = false;
        String why;
        try (socket) {
            socket.setReceiveBufferSize(4 << 20); // before connecting: it sets the window offered
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(at.host(), at.port()), 10_000);
            synchronized (this) {
                out = new DataOutputStream(socket.getOutputStream());
                out.writeInt(WorkerChannel.HELLO);
                out.writeInt(ProtocolKryo.PROTOCOL_VERSION);
                out.writeLong(at.token());
                out.flush();
            }
            writable = true;
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            byte[] buffer = new byte[0];
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    inOrder = true;
                    writable = false;
                    synchronized (this) {
                        out.writeInt(0); // this end's end
                        out.flush();
                    }
                    why = "the learner's node ended it";
                    break;
                }
                if (length < 0 || length > maxBytes) {
                    throw new IOException("a frame of " + length + " bytes (at most " + maxBytes + ")");
                }
                if (buffer.length < length) {
                    buffer = new byte[length];
                }
                in.readFully(buffer, 0, length);
                Object m = kryo.fromBinary(buffer, length);
                if (!(m instanceof WorkerCommand.UpdateWeights || m instanceof WorkerCommand.InferRows
                        || m instanceof WorkerCommand.InferBatch)) {
                    throw new IOException("a worker channel frame holding a " + (m == null ? null : m.getClass().getName()));
                }
                worker.tell((WorkerCommand) m);
            }
        } catch (EOFException e) {
            why = "the learner's node closed it without its end";
        } catch (IOException | RuntimeException e) {
            why = e.toString();
        }
        writable = false;
        if (!closed) {
            worker.tell(new Closed(this, inOrder, why));
        }
    }

    @Override
    public void close() {
        closed = true;
        writable = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
