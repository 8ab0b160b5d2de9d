package dev.sparsestream.actors;

import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.WorkerCommand;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.Source;

/**
 * What a {@link Learner} needs. {@code pool}: the receptionist key its workers register under, on any node;
 * {@code batches}: where it holds the batches it sends out, shared with its node's workers; {@code trainingRows}:
 * the training set the source streams, offered to workers on other nodes so that they can be sent a batch's rows
 * instead of its pixels (null: always pixels).
 */
public record LearnerDeps(RunSettings settings, SparseAutoencoder model, Source<Batch, NotUsed> source,
                          ActorRef<MonitorCommand> monitor, Snapshot resumeFrom, Learner.UpdateListener onUpdate,
                          CompletableFuture<RunOutcome> outcome, ServiceKey<WorkerCommand> pool, NativeBatches batches,
                          WorkerCommand.TrainingRows trainingRows) {

    /** A learner that offers no worker its training set. */
    public LearnerDeps(RunSettings settings, SparseAutoencoder model, Source<Batch, NotUsed> source,
                       ActorRef<MonitorCommand> monitor, Snapshot resumeFrom, Learner.UpdateListener onUpdate,
                       CompletableFuture<RunOutcome> outcome, ServiceKey<WorkerCommand> pool, NativeBatches batches) {
        this(settings, model, source, monitor, resumeFrom, onUpdate, outcome, pool, batches, null);
    }

    /** A learner whose batches no worker reads in place (its workers copy them). */
    public LearnerDeps(RunSettings settings, SparseAutoencoder model, Source<Batch, NotUsed> source,
                       ActorRef<MonitorCommand> monitor, Snapshot resumeFrom, Learner.UpdateListener onUpdate,
                       CompletableFuture<RunOutcome> outcome, ServiceKey<WorkerCommand> pool) {
        this(settings, model, source, monitor, resumeFrom, onUpdate, outcome, pool, new NativeBatches(settings.device()));
    }
}
