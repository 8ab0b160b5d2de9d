package dev.sparsestream.actors;

import dev.sparsestream.protocol.LearnerCommand;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Completes the run's outcome as failed when the learner throws. A learner spawned by the run is also
 * death-watched, but a cluster singleton is spawned by Pekko's singleton manager, which nobody else can
 * watch; without this a crashed singleton would leave the seed waiting for an outcome forever.
 */
final class RunFailure extends BehaviorInterceptor<LearnerCommand, LearnerCommand> {
    private final CompletableFuture<RunOutcome> outcome;

    private RunFailure(CompletableFuture<RunOutcome> outcome) {
        super(LearnerCommand.class);
        this.outcome = outcome;
    }

    static Behavior<LearnerCommand> completesOutcome(Behavior<LearnerCommand> learner,
                                                     CompletableFuture<RunOutcome> outcome) {
        return Behaviors.intercept(() -> new RunFailure(outcome), learner);
    }

    @Override
    public Behavior<LearnerCommand> aroundStart(TypedActorContext<LearnerCommand> ctx,
                                                PreStartTarget<LearnerCommand> target) {
        return guarded(() -> target.start(ctx));
    }

    @Override
    public Behavior<LearnerCommand> aroundReceive(TypedActorContext<LearnerCommand> ctx, LearnerCommand msg,
                                                  ReceiveTarget<LearnerCommand> target) {
        return guarded(() -> target.apply(ctx, msg));
    }

    @Override
    public Behavior<LearnerCommand> aroundSignal(TypedActorContext<LearnerCommand> ctx, Signal signal,
                                                 SignalTarget<LearnerCommand> target) {
        return guarded(() -> target.apply(ctx, signal));
    }

    /** Runs the learner's step; whatever it throws fails the run's outcome, then goes on to its supervisor. */
    private Behavior<LearnerCommand> guarded(java.util.function.Supplier<Behavior<LearnerCommand>> step) {
        try {
            return step.get();
        } catch (RuntimeException | Error e) {
            outcome.complete(new RunOutcome(RunOutcome.Status.FAILED, "the learner failed: " + e, null, null, 0));
            throw e;
        }
    }
}
