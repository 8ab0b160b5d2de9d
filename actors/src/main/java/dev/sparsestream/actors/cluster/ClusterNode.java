package dev.sparsestream.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.protocol.ProtocolKryo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.JoinSeedNodes;

/**
 * How a node of a sparse-stream cluster is configured and joins: Artery over TCP, the protocol's Kryo
 * serializer for every message (bound in the protocol module's reference.conf), Pekko's split-brain
 * resolver keeping the active seed's side (or, when the seed alone is cut off, the others'), and the
 * protocol-version check at join.
 *
 * <p>Large messages (batches and weights to workers, codes to the learner) travel on Artery's separate
 * large-message lane, so that a weight message of several MB never delays the heartbeats behind it (which
 * would make a healthy node look unreachable), and only that lane's buffers are as large as the largest
 * message.
 */
public final class ClusterNode {
    /** The actor system's name: part of every node's address; nodes of one cluster share it. */
    public static final String SYSTEM_NAME = "sparse-stream";
    /** The configuration key holding the node's protocol version, compared when a node joins. */
    public static final String PROTOCOL_VERSION_KEY = "sparse-stream.protocol-version";
    /** Role of nodes that only contribute inference workers. */
    public static final String WORKER_ROLE = "worker";
    /** Default upper bound of one message, weights included (VDL-NL on 28x28 patches: about 10 MB). */
    public static final long DEFAULT_MAX_MESSAGE_BYTES = 64L << 20;

    private ClusterNode() {
    }

    /**
     * @param role            {@link TrainingRun#SEED_ROLE} or {@link #WORKER_ROLE}
     * @param host            the address other nodes reach this one at
     * @param port            its port (0: any free port; the seed's must be known to the workers)
     * @param bindHost        the interface to listen on when it differs from {@code host} (behind NAT or in a
     *                        container; null: {@code host})
     * @param maxMessageBytes the largest message this node sends or accepts
     * @param downAfter       how long the members' view must be stable before an unreachable node is downed
     * @param overrides       applied last (TLS settings from {@code --node-config}, tests); may be null
     */
    public static Config config(String role, String host, int port, String bindHost, long maxMessageBytes,
                                Duration downAfter, Config overrides) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (maxMessageBytes < 1 << 20 || maxMessageBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the largest message must be between 1 MiB and 2 GiB, got "
                    + maxMessageBytes + " bytes");
        }
        Map<String, Object> v = new java.util.LinkedHashMap<>();
        v.put("pekko.actor.provider", "cluster");
        v.put("pekko.remote.artery.transport", "tcp");
        v.put("pekko.remote.artery.canonical.hostname", host);
        v.put("pekko.remote.artery.canonical.port", port);
        if (bindHost != null) {
            v.put("pekko.remote.artery.bind.hostname", bindHost);
        }
        v.put("pekko.remote.artery.large-message-destinations", List.of("/user/worker-*",
                "/system/singletonManager" + TrainingRun.LEARNER_NAME + "/" + TrainingRun.LEARNER_NAME));
        v.put("pekko.remote.artery.advanced.maximum-large-frame-size", Long.toString(maxMessageBytes) + "b");
        v.put("pekko.cluster.roles", List.of(role));
        v.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
        // Keep the side with the oldest member (the active seed: it started the cluster), except when the oldest
        // is cut off from two or more others: then it downs itself and the others live on. So a seed that dies
        // (it looks cut off from everyone) leaves a standby seed and the workers running, while a worker node
        // cut off from the seed downs itself. A cluster of two nodes always keeps the oldest: a lone standby
        // cannot tell its seed's death from a partition (docs/cluster.md's failure table).
        v.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-oldest");
        v.put("pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone", "on");
        v.put("pekko.cluster.split-brain-resolver.stable-after", downAfter.toMillis() + "ms");
        v.put("pekko.cluster.configuration-compatibility-check.checkers.sparse-stream-protocol",
                ProtocolVersionCheck.class.getName());
        v.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", "120s");
        v.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        v.put(PROTOCOL_VERSION_KEY, ProtocolKryo.PROTOCOL_VERSION);
        Config base = ConfigFactory.parseMap(v);
        return (overrides == null ? base : overrides.withFallback(base)).withFallback(ConfigFactory.load());
    }

    /**
     * The oldest of {@code members} with the seed role (Pekko's age: the order they came up), or null: the active seed,
     * the one that holds the learner; the others are standbys.
     */
    static Member oldestSeed(Iterable<Member> members) {
        Member oldest = null;
        for (Member m : members) {
            if (m.hasRole(TrainingRun.SEED_ROLE) && (oldest == null || m.isOlderThan(oldest))) {
                oldest = m;
            }
        }
        return oldest;
    }

    /** The address of a node given as HOST:PORT (a seed to join). */
    public static Address address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // [::1]:2551
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + hostPort + "': the port is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port in '" + hostPort + "' must be 1..65535");
        }
        return new Address("pekko", SYSTEM_NAME, host, port);
    }

    /** The seed starts the cluster by joining itself. */
    public static void joinSelf(ActorSystem<?> system) {
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }

    /** A worker node joins the cluster through its seed (retrying until it answers, for two minutes). */
    public static void joinSeed(ActorSystem<?> system, Address seed) {
        joinSeeds(system, List.of(seed));
    }

    /** Joins through the first of these seeds (the active one or a standby) that answers. */
    public static void joinSeeds(ActorSystem<?> system, List<Address> seeds) {
        Cluster.get(system).manager().tell(new JoinSeedNodes(seeds));
    }

    /** The seeds given as HOST:PORT[,HOST:PORT...]. */
    public static List<Address> addresses(String hostPorts) {
        List<Address> all = new java.util.ArrayList<>();
        for (String one : hostPorts.split(",", -1)) {
            all.add(address(one.trim()));
        }
        return List.copyOf(all);
    }

    /** HOST:PORT of this node, as workers give it to --join. */
    public static String hostPort(ActorSystem<?> system) {
        Address a = Cluster.get(system).selfMember().address();
        return a.host().get() + ":" + a.port().get();
    }
}
