package dev.sparsestream.actors;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.EarlyStopping;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.Evaluator;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.MonitorCommand;
import dev.sparsestream.protocol.MonitorCommand.BatchApplied;
import dev.sparsestream.protocol.MonitorCommand.EpochFinished;
import dev.sparsestream.protocol.MonitorCommand.GetState;
import dev.sparsestream.protocol.MonitorCommand.LambdaChanged;
import dev.sparsestream.protocol.MonitorCommand.Restore;
import dev.sparsestream.protocol.MonitorState;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Tracks energy, PSNR, sparsity and code variance per batch, validates each epoch's end-of-epoch
 * weights (encoder codes; FISTA from zero for decoder-only models, as the sequential trainer), keeps the
 * best model by validation energy and decides early stopping with the configuration's patience.
 */
public final class Monitor extends AbstractBehavior<MonitorCommand> {

    /** @param device where the validation passes run (the run's {@code --device}) */
    public static Behavior<MonitorCommand> create(ModelConfig config, Dataset validation, Weights initial,
                                                  RunListener listener, Device device) {
        return Behaviors.setup(ctx -> new Monitor(ctx, config, validation, initial, listener, device));
    }

    private final ModelConfig config;
    private final Dataset validation;
    private final RunListener listener;
    private final SparseAutoencoder scratch;   // holds the weights being validated
    private final Evaluator evaluator;
    private final List<BatchRecord> batches = new ArrayList<>();
    private final List<EpochReport> epochs = new ArrayList<>();
    private Summary.Accumulator epochAcc = new Summary.Accumulator();
    private EarlyStopping stopping;
    private Weights bestWeights;

    private Monitor(ActorContext<MonitorCommand> ctx, ModelConfig config, Dataset validation, Weights initial,
                    RunListener listener, Device device) {
        super(ctx);
        this.config = config;
        this.validation = validation;
        this.listener = listener;
        this.bestWeights = initial;
        this.stopping = new EarlyStopping(config.patience());
        scratch = SparseAutoencoder.initialise(config).to(device);
        evaluator = new Evaluator(scratch, config.batchSize());
    }

    @Override
    public Receive<MonitorCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(BatchApplied.class, this::onBatch)
                .onMessage(LambdaChanged.class, this::onLambda)
                .onMessage(EpochFinished.class, this::onEpochFinished)
                .onMessage(GetState.class, this::onGetState)
                .onMessage(Restore.class, this::onRestore)
                .build();
    }

    private Behavior<MonitorCommand> onBatch(BatchApplied m) {
        batches.add(m.record());
        epochAcc.add(m.record().metrics());
        listener.onBatch(m.record(), m.batchesPerEpoch());
        return this;
    }

    private Behavior<MonitorCommand> onLambda(LambdaChanged m) {
        listener.onLambda(m.change());
        return this;
    }

    private Behavior<MonitorCommand> onEpochFinished(EpochFinished m) {
        long v0 = System.nanoTime();
        scratch.importWeights(m.weights());
        Summary val = evaluator.evaluate(validation, m.params());
        // Seconds include validation, as the sequential trainer's do.
        double seconds = m.seconds() + (System.nanoTime() - v0) / 1e9;
        EpochReport report = new EpochReport(m.epoch(), seconds, m.lrDecoder(), epochAcc.summary(), val);
        epochs.add(report);
        epochAcc = new Summary.Accumulator();
        boolean isBest = stopping.record(m.epoch(), val.energy());
        if (isBest) {
            bestWeights = m.weights();
        }
        listener.onEpoch(report, isBest);
        m.replyTo().tell(new LearnerCommand.EpochValidated(m.epoch(),
                stopping.shouldStop(m.epoch()) || m.epoch() >= config.epochs()));
        return this;
    }

    private Behavior<MonitorCommand> onGetState(GetState m) {
        m.replyTo().tell(new MonitorState(batches, epochs, stopping.bestEpoch(), stopping.bestEnergy(), bestWeights));
        return this;
    }

    private Behavior<MonitorCommand> onRestore(Restore m) {
        MonitorState s = m.state();
        batches.clear();
        batches.addAll(s.batches());
        epochs.clear();
        epochs.addAll(s.epochs());
        stopping = new EarlyStopping(config.patience(), s.bestEpoch(), s.bestEnergy());
        bestWeights = s.bestWeights();
        // The running epoch's training summary continues from its batches so far.
        int validated = epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).epoch();
        epochAcc = new Summary.Accumulator();
        for (BatchRecord r : batches) {
            if (r.epoch() > validated) {
                epochAcc.add(r.metrics());
            }
        }
        return this;
    }
}
