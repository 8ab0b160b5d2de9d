package dev.sparsestream.actors;

import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The learner's end of the data-source stream: one pull at a time, only when the learner asks, so a slow
 * learner slows the source (backpressure). Runs inside the learner, on its context.
 */
final class BatchFeed {
    /** The stream's answer to a pull: a batch, the end of the data (empty), or a failure. */
    record Pulled(Optional<Batch> batch, Throwable failure) implements LearnerCommand.Local {
    }

    private final ActorContext<LearnerCommand> ctx;
    private final SinkQueueWithCancel<Batch> queue;
    private boolean pulling;
    private boolean ended;

    /** @param batches where the source's stream copies each batch's pixels as it makes it, off the learner's thread */
    BatchFeed(ActorContext<LearnerCommand> ctx, Source<Batch, NotUsed> source, NativeBatches batches) {
        this.ctx = ctx;
        // A one-element input buffer: the source makes a batch only when the learner is about to need it.
        queue = source.map(b -> {
            batches.hold(b);
            return b;
        }).runWith(Sink.<Batch>queue().withAttributes(Attributes.inputBuffer(1, 1)), ctx.getSystem());
    }

    /** Asks for the next batch, unless one is on its way or the data ended. */
    void pull() {
        if (!pulling && !ended) {
            pulling = true;
            ctx.pipeToSelf(queue.pull(), Pulled::new);
        }
    }

    /** The answer to the pull: its batch, or empty at the end of the data (and on failure, which the caller reads). */
    Optional<Batch> received(Pulled m) {
        pulling = false;
        if (m.failure() == null && m.batch().isEmpty()) {
            ended = true;
        }
        return m.failure() == null ? m.batch() : Optional.empty();
    }

    /** The data ended: every batch has been received. */
    boolean ended() {
        return ended;
    }

    void cancel() {
        queue.cancel();
    }
}
