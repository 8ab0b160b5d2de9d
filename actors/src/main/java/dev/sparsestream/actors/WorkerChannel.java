package dev.sparsestream.actors;

import com.typesafe.config.Config;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.protocol.KryoSerializer;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.ProtocolKryo;
import dev.sparsestream.protocol.WorkerCommand;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner's node's end of its worker channels: a TCP connection of its own to each inference worker on another
 * node, beside Artery, carrying the run's bulk traffic (weight versions and batches to the worker, codes back) while
 * Artery keeps the rest (the model, the cluster's own messages, and everything when a channel is down). Artery moves
 * a message of several MB in its direct buffer's chunks, each an actor message on both nodes, and took 10-12 ms for
 * the 4.2 MB of a VDL-NL version between two pinned JVMs where a plain socket takes under 2 ms; with K = 1 that time
 * is on every batch's path, since the worker needs the version the learner has just made before its next batch
 * (docs/cluster.md). Flink keeps its data plane off Pekko alike.
 *
 * <p>The learner offers a channel with the model ({@link WorkerCommand.Configure}): this node's address, the port it
 * listens on and a random token. The worker connects and presents the token ({@link WorkerChannelClient}); from then
 * on the learner hands this channel what it would have told the worker, and a thread per connection encodes each
 * message (the protocol's Kryo encoding, as Artery would send it; a version once for all workers) and writes it,
 * while another reads the codes the worker writes back and tells them to the learner. A frame is its length, then
 * the encoding; a length of 0 ends the channel in order. A broken channel falls back on Artery: the learner is told
 * ({@link Broke}) and treats the worker as one that restarted (what it held is inferred again, since the break may
 * have lost it, and it is sent the model, with a new offer), and the worker drops the batches it held for weights
 * that may not come.
 *
 * <p>Off with TLS (the channel is plain TCP; then everything goes over Artery's TLS) or with {@code
 * sparse-stream.worker-channel.enabled = off}; {@code sparse-stream.worker-channel.port} fixes the port (0: any
 * free one). One per actor system (a Pekko extension), listening from its first offer until the system terminates.
 */
public final class WorkerChannel implements Extension {
    /** What a worker's connection sends first: this, the protocol version, then its token. */
    static final int HELLO = 0x53535743; // "SSWC"

    private static final Logger LOG = LoggerFactory.getLogger(WorkerChannel.class);

    /** The extension's id: {@code WorkerChannel.get(system)}. */
    public static final class Id extends ExtensionId<WorkerChannel> {
        private static final Id INSTANCE = new Id();

        private Id() {
        }

        @Override
        public WorkerChannel createExtension(ActorSystem<?> system) {
            return new WorkerChannel(system);
        }
    }

    public static WorkerChannel get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    /** Whom an offer was made to: the worker, and the learner its codes go to. */
    private record Offer(ActorRef<WorkerCommand> worker, ActorRef<LearnerCommand> learner) {
    }

    /** Told to the learner: {@code worker}'s channel broke, so what was on its way may be lost. */
    public record Broke(ActorRef<WorkerCommand> worker, String why) implements LearnerCommand.Local {
    }

    private final ActorSystem<?> system;
    private final boolean enabled;
    private final String host;      // advertised: the node's canonical host
    private final String bindHost;  // listened on
    private final int configuredPort;
    private final long maxBytes;    // the largest frame read: Artery's largest message
    private final SecureRandom random = new SecureRandom();
    private final Map<Long, Offer> offered = new ConcurrentHashMap<>(); // token -> offer
    private final Map<ActorRef<WorkerCommand>, Link> links = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong codesRead = new java.util.concurrent.atomic.AtomicLong();
    private ServerSocket server;    // opened on the first offer
    private volatile boolean closed;

    private WorkerChannel(ActorSystem<?> system) {
        this.system = system;
        Config c = system.settings().config();
        boolean remote = !"local".equals(c.getString("pekko.actor.provider"));
        boolean plainTcp = remote && "tcp".equals(c.getString("pekko.remote.artery.transport"));
        this.enabled = plainTcp && c.getBoolean("sparse-stream.worker-channel.enabled");
        this.configuredPort = c.getInt("sparse-stream.worker-channel.port");
        if (configuredPort < 0 || configuredPort > 65535) {
            throw new IllegalArgumentException("sparse-stream.worker-channel.port must be 0..65535, got " + configuredPort);
        }
        this.maxBytes = c.getBytes("pekko.remote.artery.advanced.maximum-large-frame-size");
        this.host = remote ? c.getString("pekko.remote.artery.canonical.hostname") : null;
        String bind = remote ? c.getString("pekko.remote.artery.bind.hostname") : "";
        this.bindHost = bind.isEmpty() ? host : bind;
        system.getWhenTerminated().thenRun(this::close);
    }

    /** Whether this node offers channels (a cluster over plain TCP, not turned off). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The channel to offer {@code worker} with its model, its codes to go to {@code learner}, replacing any earlier
     * connection of it (a restarted worker connects again); null when this node offers none, or could not listen
     * (logged once: everything goes over Artery).
     */
    synchronized WorkerCommand.ChannelOffer offer(ActorRef<WorkerCommand> worker, ActorRef<LearnerCommand> learner) {
        if (!enabled || closed || !listening()) {
            return null;
        }
        forget(worker);
        long token = random.nextLong();
        offered.put(token, new Offer(worker, learner));
        return new WorkerCommand.ChannelOffer(host, server.getLocalPort(), token);
    }

    /** Messages written to workers on this node's channels so far (weight versions and batches). */
    public long messagesWritten() {
        return written.get();
    }

    /** Codes read back from workers on this node's channels so far. */
    public long codesRead() {
        return codesRead.get();
    }

    /** Whether {@code worker} is connected: what is handed to it goes on the channel. */
    boolean connected(ActorRef<WorkerCommand> worker) {
        Link link = links.get(worker);
        return link != null && !link.closed;
    }

    /**
     * Hands {@code message} (a weight update or a batch) to {@code worker}'s connection, after those handed to it
     * before; false when it has none (not connected yet, or broken): then the caller sends it over Artery.
     */
    boolean send(ActorRef<WorkerCommand> worker, WorkerCommand message) {
        Link link = links.get(worker);
        return link != null && link.offer(message);
    }

    /**
     * Drops what {@code worker} was offered and ends its connection in order (it left the pool, or is offered anew):
     * what was handed to it before is still written.
     */
    synchronized void forget(ActorRef<WorkerCommand> worker) {
        forgetWhere(o -> o.worker().equals(worker));
    }

    /**
     * Drops every offer made for {@code learner} and ends its connections in order: its run ended, so no more weights
     * or batches come from it, and its workers should not keep a socket open to a learner that is gone.
     */
    synchronized void forgetLearner(ActorRef<LearnerCommand> learner) {
        forgetWhere(o -> o.learner().equals(learner));
    }

    private void forgetWhere(Predicate<Offer> whose) {
        offered.values().removeIf(whose);
        for (var it = links.values().iterator(); it.hasNext(); ) {
            Link link = it.next();
            if (whose.test(link.offer)) {
                it.remove();
                link.end();
            }
        }
    }

    /** Closes {@code worker}'s connection at once, as a network fault would (tests). */
    void breakLink(ActorRef<WorkerCommand> worker) {
        Link link = links.get(worker);
        if (link != null) {
            link.broke("broken on purpose");
        }
    }

    private boolean listening() {
        if (server != null) {
            return !server.isClosed();
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReceiveBufferSize(4 << 20); // inherited by the connections: the window offered for codes
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), configuredPort));
            server = s;
        } catch (IOException e) {
            LOG.warn("cannot listen for worker channels on {}:{} ({}); weights, batches and codes go over Artery",
                    bindHost, configuredPort, e.toString());
            closed = true;
            return false;
        }
        Thread accept = new Thread(this::acceptAll, "sparse-stream-worker-channels");
        accept.setDaemon(true);
        accept.start();
        LOG.info("worker channels: listening on {}:{}", bindHost, server.getLocalPort());
        return true;
    }

    private void acceptAll() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("worker channels: stopped accepting ({}); new workers are served over Artery", e.toString());
                }
                return;
            }
            daemon("sparse-stream-channel-to-" + s.getRemoteSocketAddress(), () -> serve(s));
        }
    }

    private static void daemon(String name, Runnable run) {
        Thread t = new Thread(run, name);
        t.setDaemon(true);
        t.start();
    }

    /** One worker's connection: its hello; then what is handed to it, in order, until either end closes. */
    private void serve(Socket s) {
        Link link = null;
        try (s) {
            s.setTcpNoDelay(true);
            s.setSendBufferSize(4 << 20);
            s.setSoTimeout(10_000); // for the hello only
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
            int hello = in.readInt();
            int version = in.readInt();
            long token = in.readLong();
            Offer offer;
            synchronized (this) {
                offer = hello == HELLO && version == ProtocolKryo.PROTOCOL_VERSION ? offered.remove(token) : null;
                if (offer == null) {
                    LOG.warn("worker channels: refused a connection from {} ({})", s.getRemoteSocketAddress(),
                            hello != HELLO ? "not a worker channel's hello" : version != ProtocolKryo.PROTOCOL_VERSION
                                    ? "protocol version " + version + ", this node speaks " + ProtocolKryo.PROTOCOL_VERSION
                                    : "a token not offered");
                    return;
                }
                link = new Link(s, offer);
                links.put(offer.worker(), link);
            }
            s.setSoTimeout(0);
            KryoSerializer kryo = serializer(system);
            Link reading = link;
            daemon("sparse-stream-channel-from-" + s.getRemoteSocketAddress(),
                    () -> readCodes(in, kryo, offer.learner(), reading));
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            for (WorkerCommand m = link.next(); m != null; m = link.next()) {
                byte[] bytes = kryo.toSharedBinary(m); // read only
                out.writeInt(bytes.length);
                out.write(bytes);
                out.flush();
                written.incrementAndGet();
            }
            if (link.closed) {
                return; // broken, not ended: the worker must not read an end in order (finally closes the socket)
            }
            out.writeInt(0); // the end, in order
            out.flush();
            s.shutdownOutput();
            link.awaitReader();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (link != null) {
                link.broke(e.toString());
            }
        } finally {
            if (link != null) {
                link.close();
                links.values().remove(link);
            }
        }
    }

    /** The codes a worker writes back, told to the learner, until the worker ends its side or the channel breaks. */
    private void readCodes(DataInputStream in, KryoSerializer kryo, ActorRef<LearnerCommand> learner, Link link) {
        byte[] buffer = new byte[0];
        try {
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    break;
                }
                if (length < 0 || length > maxBytes) {
                    throw new IOException("a frame of " + length + " bytes (at most " + maxBytes + ")");
                }
                if (buffer.length < length) {
                    buffer = new byte[length];
                }
                in.readFully(buffer, 0, length);
                if (!(kryo.fromBinary(buffer, length) instanceof LearnerCommand.CodesComputed codes)) {
                    throw new IOException("a worker channel frame that holds no codes");
                }
                learner.tell(codes);
                codesRead.incrementAndGet();
            }
        } catch (EOFException e) {
            link.broke("the worker's node closed it without its end");
        } catch (IOException | RuntimeException e) {
            link.broke(e.toString());
        } finally {
            link.readerDone();
        }
    }

    /** The protocol's serializer in {@code system}, which both ends of a channel encode and decode with. */
    static KryoSerializer serializer(ActorSystem<?> system) {
        try {
            return (KryoSerializer) SerializationExtension.get(Adapter.toClassic(system))
                    .serializerFor(WorkerCommand.UpdateWeights.class);
        } catch (java.io.NotSerializableException | ClassCastException e) {
            throw new IllegalStateException("the protocol's serializer is not bound to weight updates: " + e, e);
        }
    }

    /** Stops listening and closes every connection (the system terminated). */
    synchronized void close() {
        closed = true;
        links.values().forEach(Link::close);
        links.clear();
        offered.clear();
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** One connection: the messages waiting for its writer, and how it ends. */
    private final class Link {
        private static final WorkerCommand END = new WorkerCommand.UpdateWeights(
                new Weights(-1, java.util.List.of(), new float[0][])); // wakes the writer to end in order
        private final LinkedBlockingQueue<WorkerCommand> queue = new LinkedBlockingQueue<>();
        private final Socket socket;
        private final Offer offer;
        private final java.util.concurrent.CountDownLatch reader = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean ending;
        private volatile boolean closed;

        Link(Socket socket, Offer offer) {
            this.socket = socket;
            this.offer = offer;
        }

        /**
         * The connection failed (a write, a read, or the worker's side gone without its end): closed, and, unless it
         * was ending in order or is no longer the worker's, the learner told.
         */
        void broke(String why) {
            boolean current;
            synchronized (WorkerChannel.this) {
                current = !closed && !ending && links.remove(offer.worker(), this);
            }
            close();
            if (current && !WorkerChannel.this.closed) {
                LOG.warn("worker channel to {} broke ({}); its batches are inferred again and it is sent the model",
                        offer.worker().path(), why);
                offer.learner().tell(new Broke(offer.worker(), why));
            }
        }

        boolean offer(WorkerCommand m) {
            return !ending && !closed && queue.offer(m);
        }

        WorkerCommand next() throws InterruptedException {
            WorkerCommand m = queue.take();
            return m == END || closed ? null : m;
        }

        /** Takes nothing more; the writer writes what it holds, then the end. */
        void end() {
            ending = true;
            queue.offer(END);
        }

        void readerDone() {
            reader.countDown();
        }

        /** After the end is written: the worker's codes still on their way are read before the socket closes. */
        void awaitReader() throws InterruptedException {
            reader.await(10, java.util.concurrent.TimeUnit.SECONDS);
        }

        /** Also interrupts a write or read in progress: the worker sees the connection break. */
        void close() {
            closed = true;
            queue.offer(END);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
