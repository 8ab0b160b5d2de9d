package dev.sparsestream.actors.cluster;

import dev.sparsestream.actors.InferenceWorker;
import dev.sparsestream.actors.NodeData;
import dev.sparsestream.actors.TrainingRun;
import dev.sparsestream.core.device.Device;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The guardian of a worker node: spawns its inference workers, which register in the cluster's pool
 * ({@link InferenceWorker#CLUSTER_POOL}) for the learner to find, and stops the node when the last seed
 * has left the cluster. While a standby seed is left, the node keeps working: the standby takes the run
 * over and the workers serve its learner (a seed that is killed or cut off is downed by the split-brain
 * resolver; a worker node cut off from the seed's side is downed, which stops it too).
 */
public final class WorkerNode extends AbstractBehavior<WorkerNode.Command> {

    public sealed interface Command permits MemberChanged {
    }

    /** Cluster membership, adapted from Pekko's events. */
    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {
    }

    public static Behavior<Command> create(int workers, Device device, NodeData data) {
        return create(workers, device, InferenceWorker.BeforeInference.NONE, data);
    }

    /** A node whose workers read no data of their own (they are sent pixels). */
    public static Behavior<Command> create(int workers, Device device, InferenceWorker.BeforeInference hook) {
        return create(workers, device, hook, NodeData.NONE);
    }

    /**
     * @param device where this node's workers compute ({@code --device})
     * @param hook   called by every worker before each inference (tests inject faults and delays)
     * @param data   how the node reads a run's training set, to be sent batches as rows (loaded once for the node)
     */
    public static Behavior<Command> create(int workers, Device device, InferenceWorker.BeforeInference hook,
                                           NodeData data) {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        }
        NodeData shared = NodeData.shared(data);
        return Behaviors.setup(ctx -> new WorkerNode(ctx, workers, device, hook, shared));
    }

    private final int workers;
    private final java.util.Set<org.apache.pekko.cluster.UniqueAddress> seeds = new java.util.HashSet<>();

    private WorkerNode(ActorContext<Command> ctx, int workers, Device device, InferenceWorker.BeforeInference hook,
                       NodeData data) {
        super(ctx);
        this.workers = workers;
        for (int i = 0; i < workers; i++) {
            ctx.spawn(TrainingRun.supervisedWorker(InferenceWorker.CLUSTER_POOL, device, hook, null, data), "worker-" + i,
                    TrainingRun.COMPUTE);
        }
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onMessage(MemberChanged.class, this::onMemberChanged).build();
    }

    private Behavior<Command> onMemberChanged(MemberChanged m) {
        var self = Cluster.get(getContext().getSystem()).selfMember();
        if (m.event() instanceof ClusterEvent.MemberUp up && up.member().equals(self)) {
            getContext().getLog().info("joined the cluster as {} with {} inference worker(s)", self.address(), workers);
        }
        if (!m.event().member().hasRole(TrainingRun.SEED_ROLE)) {
            return this;
        }
        if (m.event() instanceof ClusterEvent.MemberRemoved removed) {
            seeds.remove(removed.member().uniqueAddress());
            if (seeds.isEmpty()) {
                getContext().getLog().info("the seed node {} is gone from the cluster (it stopped, or it died and "
                        + "this side was downed), and no standby seed is left; this worker node stops",
                        removed.member().address());
                getContext().getSystem().terminate();
            } else {
                getContext().getLog().info("the seed node {} is gone from the cluster; the standby seed(s) {} remain, "
                        + "and this node's workers serve whichever holds the learner", removed.member().address(),
                        seeds.stream().map(u -> u.address().toString()).sorted().toList());
            }
        } else {
            seeds.add(m.event().member().uniqueAddress());
        }
        return this;
    }
}
