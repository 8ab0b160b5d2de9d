package dev.sparsestream.actors.cluster;

import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.TrainingRun;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Follows the cluster for the seed's dashboard: its members with their state and reachability, the
 * inference workers each brings to the pool, and a line per change (joined, unreachable, reachable again,
 * removed), handed to a {@link Listener}.
 */
public final class ClusterMembers extends AbstractBehavior<ClusterMembers.Command> {

    /** One member as the dashboard shows it. */
    public record Node(String address, List<String> roles, String status, boolean reachable, int workers) {
    }

    /** Told of every change, on this actor's thread. */
    public interface Listener {
        void onMembership(List<Node> nodes, String event);
    }

    public sealed interface Command permits MemberChanged, ReachabilityChanged, WorkersListed {
    }

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {
    }

    private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {
    }

    private record WorkersListed(Receptionist.Listing listing) implements Command {
    }

    public static Behavior<Command> create(Listener listener) {
        return Behaviors.setup(ctx -> new ClusterMembers(ctx, listener));
    }

    private final Listener listener;
    private final Map<Address, Member> members = new TreeMap<>(Comparator.comparing(Address::toString));
    private final Map<Address, Boolean> reachable = new HashMap<>();
    private Map<Address, Integer> workers = Map.of();

    private ClusterMembers(ActorContext<Command> ctx, Listener listener) {
        super(ctx);
        this.listener = listener;
        var subscriptions = Cluster.get(ctx.getSystem()).subscriptions();
        subscriptions.tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new),
                ClusterEvent.MemberEvent.class));
        subscriptions.tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class,
                ReachabilityChanged::new), ClusterEvent.ReachabilityEvent.class));
        ctx.getSystem().receptionist().tell(Receptionist.subscribe(InferenceWorker.CLUSTER_POOL,
                ctx.messageAdapter(Receptionist.Listing.class, WorkersListed::new)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(MemberChanged.class, this::onMember)
                .onMessage(ReachabilityChanged.class, this::onReachability)
                .onMessage(WorkersListed.class, this::onWorkers)
                .build();
    }

    private Behavior<Command> onMember(MemberChanged m) {
        Member member = m.event().member();
        Address a = member.address();
        String event;
        if (m.event() instanceof ClusterEvent.MemberRemoved) {
            String roles = String.join(", ", roles(member, ClusterNode.oldestSeed(members.values()))); // as it was
            members.remove(a);
            reachable.remove(a);
            event = "node " + a + " (" + roles + ") was removed";
        } else {
            members.put(a, member);
            reachable.putIfAbsent(a, true);
            event = "node " + a + " (" + String.join(", ", roles(member, ClusterNode.oldestSeed(members.values())))
                    + ") is " + status(member);
        }
        getContext().getLog().info(event);
        tell(event);
        return this;
    }

    private Behavior<Command> onReachability(ReachabilityChanged m) {
        Address a = m.event().member().address();
        boolean now = m.event() instanceof ClusterEvent.ReachableMember;
        reachable.put(a, now);
        String event = "node " + a + (now ? " is reachable again" : " is unreachable");
        getContext().getLog().info(event);
        tell(event);
        return this;
    }

    private Behavior<Command> onWorkers(WorkersListed m) {
        Map<Address, Integer> counts = new HashMap<>();
        Address self = Cluster.get(getContext().getSystem()).selfMember().address();
        for (var w : m.listing().getAllServiceInstances(InferenceWorker.CLUSTER_POOL)) {
            Address a = w.path().address().hasLocalScope() ? self : w.path().address();
            counts.merge(a, 1, Integer::sum);
        }
        int before = workers.values().stream().mapToInt(Integer::intValue).sum();
        int after = counts.values().stream().mapToInt(Integer::intValue).sum();
        workers = counts;
        tell(before == after ? null : "the pool has " + after + " inference worker(s)");
        return this;
    }

    private void tell(String event) {
        List<Node> nodes = new ArrayList<>();
        Member activeSeed = ClusterNode.oldestSeed(members.values());
        for (var e : members.entrySet()) {
            nodes.add(new Node(e.getKey().toString(), roles(e.getValue(), activeSeed), status(e.getValue()),
                    reachable.getOrDefault(e.getKey(), true), workers.getOrDefault(e.getKey(), 0)));
        }
        listener.onMembership(List.copyOf(nodes), event);
    }

    /** Shown beside the seed role of a seed-role member that is not the active one. */
    public static final String STANDBY = "standby";

    /**
     * A member's roles as shown, with "standby" added to a seed-role member other than {@code activeSeed}: the oldest
     * runs the learner, the others wait to take over ({@link Standby}), and both carry the same role.
     */
    private static List<String> roles(Member m, Member activeSeed) {
        // Pekko adds a data-centre role ("dc-default") to every member; it says nothing here.
        var roles = m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted();
        return (m.hasRole(TrainingRun.SEED_ROLE) && !m.equals(activeSeed)
                ? java.util.stream.Stream.concat(roles, java.util.stream.Stream.of(STANDBY)) : roles).toList();
    }

    private static String status(Member m) {
        return m.status().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
