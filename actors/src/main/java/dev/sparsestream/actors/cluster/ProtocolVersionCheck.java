package dev.sparsestream.actors.cluster;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import org.apache.pekko.cluster.Valid$;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Pekko's join-time configuration check, for the protocol: a node whose {@value ClusterNode#PROTOCOL_VERSION_KEY}
 * differs from the cluster's is refused when it joins (Pekko logs the reason on both sides and shuts the
 * joining node down), instead of joining and failing on its first message. Registered in
 * {@link ClusterNode#config}; Pekko instantiates it by name.
 */
public final class ProtocolVersionCheck extends JoinConfigCompatChecker {

    @Override
    public Seq<String> requiredKeys() {
        return seq(List.of(ClusterNode.PROTOCOL_VERSION_KEY));
    }

    /**
     * @param toCheck the joining node's values of the required keys (or, on the joining node, the cluster's)
     * @param actual  this node's configuration
     */
    @Override
    public ConfigValidation check(Config toCheck, Config actual) {
        String key = ClusterNode.PROTOCOL_VERSION_KEY;
        if (!toCheck.hasPath(key)) {
            return new Invalid(seq(List.of("the other node does not say which sparse-stream protocol it speaks ("
                    + key + " is missing): it is not a sparse-stream node of this generation")));
        }
        int theirs = toCheck.getInt(key);
        int ours = actual.getInt(key);
        if (theirs != ours) {
            return new Invalid(seq(List.of("sparse-stream protocol version " + theirs + " on the other node, "
                    + ours + " on this one: every node of a cluster must run the same sparse-stream build; "
                    + "the node is refused")));
        }
        return Valid$.MODULE$;
    }

    private static Seq<String> seq(List<String> values) {
        return CollectionConverters.asScala(values).toList();
    }
}
