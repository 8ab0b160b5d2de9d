package dev.sparsestream.actors;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.WorkerCommand;
import dev.sparsestream.streams.BatchSource;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The run's coordinator, the guardian of its actor system: spawns the monitor, the learner (fed by the
 * data-source stream) and the pool of inference workers, and ends the run when the learner stops
 * (its children stop; it stays, idle, until its actor system is terminated by its owner).
 * Workers are restarted when they throw; the learner is not (a failure there fails the run, and the
 * last snapshot stays as it was).
 */
public final class TrainingRun {
    private TrainingRun() {
    }

    /** What a run is made of; the hooks are for tests. */
    public record Parts(RunSettings settings, SparseAutoencoder model, Dataset train, Dataset validation,
                        Snapshot resumeFrom, RunListener listener, Learner.UpdateListener onUpdate,
                        InferenceWorker.BeforeInference beforeInference) {
    }

    /**
     * @param learnerRef completed with the learner once it is spawned (for the control endpoint)
     * @param outcome    completed when the run ends, however it ends
     */
    public static Behavior<Void> create(Parts parts, CompletableFuture<ActorRef<LearnerCommand>> learnerRef,
                                        CompletableFuture<RunOutcome> outcome) {
        return Behaviors.setup(ctx -> {
            RunSettings s = parts.settings();
            var config = s.config();
            SparseAutoencoder model = parts.model();
            if (parts.resumeFrom() != null) {
                model.importWeights(parts.resumeFrom().weights());
            }
            ActorRef<MonitorCommand> monitor = ctx.spawn(
                    Monitor.create(config, parts.validation(), model.exportWeights(0), parts.listener()), "monitor");
            long startSeq = parts.resumeFrom() == null ? 0 : parts.resumeFrom().nextSeq();
            Source<Batch, NotUsed> source = BatchSource.of(parts.train(), config.batchSize(), config.seed(),
                    startSeq, config.epochs());
            ActorRef<LearnerCommand> learner = ctx.spawn(Learner.create(s, model, source, monitor, parts.resumeFrom(),
                    parts.onUpdate(), outcome), "learner");
            ctx.watch(learner);
            for (int i = 0; i < s.workers(); i++) {
                Behavior<WorkerCommand> worker = Behaviors.supervise(
                        InferenceWorker.create(config, learner, parts.beforeInference()))
                        .onFailure(Exception.class, SupervisorStrategy.restart());
                ctx.spawn(worker, "worker-" + i);
            }
            learnerRef.complete(learner);
            return Behaviors.receive(Void.class)
                    .onSignal(Terminated.class, t -> {
                        if (!outcome.isDone()) {
                            String why = t instanceof ChildFailed f ? f.getCause().toString() : "it stopped";
                            outcome.complete(new RunOutcome(RunOutcome.Status.FAILED,
                                    "the learner failed: " + why, null, null, 0));
                        }
                        // The workers and the monitor go; the guardian stays, so that the actor system (and the
                        // control endpoint's last answer, to a stop request) lives until its owner closes it.
                        ctx.getChildren().forEach(ctx::stop);
                        return Behaviors.empty();
                    })
                    .build();
        });
    }
}
