package dev.sparsestream.actors.cluster;

import dev.sparsestream.actors.TrainingRun;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * A standby seed's watch over the active one: it decides, from the cluster's membership, when this node
 * must take the run over (the active seed was downed: it died, or was cut off) and when it must simply stop
 * (the active seed left the cluster: its run ended, or it was stopped). The active seed is the oldest member
 * with the seed role; a standby takes over only once no older seed-role member is left, so several standbys
 * take over one after the other. The decision is handed to the command's thread, which runs the run.
 */
public final class Standby extends AbstractBehavior<Standby.Command> {

    /** What the standby's watch ended with. */
    public record Decision(Kind kind, Address active, long unreachableNanos, long removedNanos) {
        public enum Kind {
            /** The active seed was downed: continue its run from the run folder's last snapshot. */
            TAKE_OVER,
            /** The active seed left the cluster on its own: its run is over, and so is this standby's watch. */
            RUN_ENDED,
            /** This node was downed or removed (cut off from the active seed's side). */
            DOWNED
        }
    }

    public sealed interface Command permits MemberChanged, ReachabilityChanged {
    }

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {
    }

    private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {
    }

    /** @param decided completed once, with the decision; the actor then stops */
    public static Behavior<Command> create(CompletableFuture<Decision> decided) {
        return Behaviors.setup(ctx -> new Standby(ctx, decided));
    }

    private final CompletableFuture<Decision> decided;
    private final UniqueAddress self;
    private final Map<UniqueAddress, Member> seeds = new HashMap<>(); // Up seed-role members, this node included
    private final Map<UniqueAddress, Long> unreachableSince = new HashMap<>();

    private Standby(ActorContext<Command> ctx, CompletableFuture<Decision> decided) {
        super(ctx);
        this.decided = decided;
        Cluster cluster = Cluster.get(ctx.getSystem());
        this.self = cluster.selfMember().uniqueAddress();
        cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class,
                MemberChanged::new), ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class,
                ReachabilityChanged::new), ClusterEvent.ReachabilityEvent.class));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(MemberChanged.class, this::onMember)
                .onMessage(ReachabilityChanged.class, this::onReachability)
                .build();
    }

    private Behavior<Command> onReachability(ReachabilityChanged m) {
        if (m.event() instanceof ClusterEvent.UnreachableMember u) {
            unreachableSince.putIfAbsent(u.member().uniqueAddress(), System.nanoTime());
        } else if (m.event() instanceof ClusterEvent.ReachableMember r) {
            unreachableSince.remove(r.member().uniqueAddress());
        }
        return this;
    }

    private Behavior<Command> onMember(MemberChanged m) {
        Member member = m.event().member();
        if (member.uniqueAddress().equals(self)) {
            if (m.event() instanceof ClusterEvent.MemberRemoved || m.event() instanceof ClusterEvent.MemberDowned) {
                return decide(new Decision(Decision.Kind.DOWNED, member.address(), 0, System.nanoTime()));
            }
        }
        if (!member.hasRole(TrainingRun.SEED_ROLE)) {
            return this;
        }
        if (m.event() instanceof ClusterEvent.MemberRemoved removed) {
            seeds.remove(member.uniqueAddress());
            if (!member.uniqueAddress().equals(self) && oldestIsSelf()) {
                boolean downed = removed.previousStatus() == MemberStatus.down();
                long now = System.nanoTime();
                return decide(new Decision(downed ? Decision.Kind.TAKE_OVER : Decision.Kind.RUN_ENDED,
                        member.address(), unreachableSince.getOrDefault(member.uniqueAddress(), now), now));
            }
        } else if (member.status() != MemberStatus.joining() && member.status() != MemberStatus.weaklyUp()) {
            seeds.put(member.uniqueAddress(), member); // Up or later: its age is known
        }
        return this;
    }

    /** No seed-role member older than this node is left: this node is the one to hold the learner. */
    private boolean oldestIsSelf() {
        Member me = seeds.get(self);
        return me != null && me.equals(ClusterNode.oldestSeed(seeds.values()));
    }

    private Behavior<Command> decide(Decision d) {
        decided.complete(d);
        return Behaviors.stopped();
    }
}
