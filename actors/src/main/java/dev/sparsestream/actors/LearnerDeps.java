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
 * {@code batches}: where it holds the batches it sends out, shared with its node's workers.
 */
public record LearnerDeps(RunSettings settings, SparseAutoencoder model, Source<Batch, NotUsed> source,
                          ActorRef<MonitorCommand> monitor, Snapshot resumeFrom, Learner.UpdateListener onUpdate,
                          CompletableFuture<RunOutcome> outcome, ServiceKey<WorkerCommand> pool, NativeBatches batches) {

    /** A learner whose batches no worker reads in place (its workers copy them). */
    public LearnerDeps(RunSettings settings, SparseAutoencoder model, Source<Batch, NotUsed> source,
                       ActorRef<MonitorCommand> monitor, Snapshot resumeFrom, Learner.UpdateListener onUpdate,
                       CompletableFuture<RunOutcome> outcome, ServiceKey<WorkerCommand> pool) {
        this(settings, model, source, monitor, resumeFrom, onUpdate, outcome, pool, new NativeBatches(settings.device()));
    }
}
