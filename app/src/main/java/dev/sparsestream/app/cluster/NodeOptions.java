package dev.sparsestream.app.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.sparsestream.actors.cluster.ClusterNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How a cluster node listens and talks: the options 'cluster seed' and 'cluster worker' share. */
public final class NodeOptions {
    @Option(names = "--host", paramLabel = "HOST",
            description = {"The address other nodes reach this node at (seed default 127.0.0.1; worker default: the",
                    "local address that routes to the seed)."})
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "The cluster port (seed default 2551; worker default 0: any free port).")
    Integer port;

    @Option(names = "--bind-host", paramLabel = "HOST",
            description = "The interface to listen on, when it differs from --host (in a container, behind NAT: 0.0.0.0).")
    String bindHost;

    @Option(names = "--max-message-size", paramLabel = "SIZE", defaultValue = "64MiB",
            description = {"The largest message between nodes, weights included (default 64MiB; VDL-NL on patches needs",
                    "about 10 MB); every node of a cluster must be given the same value."})
    String maxMessageSize;

    @Option(names = "--down-after", paramLabel = "DURATION", defaultValue = "7s",
            description = {"How long an unreachable node's state must be stable before the split-brain resolver downs",
                    "it (default 7s; a node is unreachable after about 3 s without heartbeats)."})
    String downAfter;

    @Option(names = "--node-config", paramLabel = "FILE",
            description = {"A HOCON file of Pekko settings applied over the node's own (TLS between nodes: see",
                    "deploy/tls.conf)."})
    Path nodeConfig;

    long maxMessageBytes() {
        try {
            return ConfigFactory.parseString("size = \"" + maxMessageSize.replace("\"", "") + "\"")
                    .getMemorySize("size").toBytes();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("--max-message-size " + maxMessageSize + " is not a size (e.g. 64MiB, "
                    + "10MB, 20000000)");
        }
    }

    Duration downAfterDuration() {
        try {
            Duration d = ConfigFactory.parseString("d = \"" + downAfter.replace("\"", "") + "\"").getDuration("d");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("--down-after must be positive, got " + downAfter);
            }
            return d;
        } catch (ConfigException e) {
            throw new IllegalArgumentException("--down-after " + downAfter + " is not a duration (e.g. 7s, 500ms, 1m)");
        }
    }

    /** The node's configuration; {@code host} and {@code port} are this command's defaults when not given. */
    Config config(String role, String defaultHost, int defaultPort) {
        Config extra = null;
        if (nodeConfig != null) {
            if (!Files.isRegularFile(nodeConfig)) {
                throw new IllegalArgumentException("--node-config " + nodeConfig + ": no such file");
            }
            try {
                extra = ConfigFactory.parseFile(nodeConfig.toFile()).resolve();
            } catch (ConfigException e) {
                throw new IllegalArgumentException("--node-config " + nodeConfig + ": " + e.getMessage());
            }
        }
        return ClusterNode.config(role, host != null ? host : defaultHost, port != null ? port : defaultPort, bindHost,
                maxMessageBytes(), downAfterDuration(), extra);
    }
}
