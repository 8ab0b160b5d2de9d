package dev.sparsestream.protocol;

import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.AdamOptimizer;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.Summary;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** Small instances of every protocol message, with distinct values in every field so that a swap shows. */
final class Samples {

    private Samples() {
    }

    static Weights weights(long version) {
        return new Weights(version, List.of("U", "S", "b", "W"), new float[][]{
                {0.5f, -1.25f, 3f, Float.MIN_VALUE, -0f, 7e-8f},
                {1f, 2f, 3f, 4f},
                {-0.125f, 9.5f},
                {}});
    }

    static FistaParams fista() {
        return new FistaParams(0.02, 10, 0.5, 5, 0.5, 200, 1e-4);
    }

    static BatchMetrics metrics(double shift) {
        return new BatchMetrics(new Energy(1.5 + shift, 0.25, 0.125, 0.0625), 18.75, new CodeStats(0.01, 0.4, 3, 0.9),
                37.5, 200, 0.75 + shift, 0.0312, 0.042);
    }

    static EpochReport epochReport(int epoch) {
        Summary train = new Summary(new Energy(2, 0.5, 0.25, 0.125), 17.5, 0.93, 44.5, 0.02, 0.41, 1.5);
        Summary val = new Summary(new Energy(2.5, 0.75, 0, 0), 16.25, 0.91, 0, 0.015, 0.39, 2);
        return new EpochReport(epoch, 12.5, 3e-4, train, val);
    }

    static BatchRecord batchRecord(long seq) {
        return new BatchRecord(seq, 1, (int) seq, 0.02, seq + 3, 1, metrics(seq));
    }

    static MonitorState monitorState() {
        return new MonitorState(List.of(batchRecord(0), batchRecord(1), batchRecord(2)), List.of(epochReport(1)), 1,
                3.375, weights(2));
    }

    static AdamOptimizer.State adam(long step) {
        return new AdamOptimizer.State(step, 1e-3, new float[][]{{0.1f, 0.2f}, {-0.3f}, {}});
    }

    /** A decoder-only model's snapshot has no encoder state: {@code encoderAdam} is null. */
    static Snapshot snapshot(String reason, long nextSeq, boolean withEncoder) {
        return new Snapshot("0.1.0", "{\"model\":\"VDL\",\"lambda\":0.02}", weights(nextSeq), adam(nextSeq),
                withEncoder ? adam(nextSeq + 1) : null, 0.01,
                List.of(new LambdaChange(0, 0.02), new LambdaChange(nextSeq - 1, 0.01)), nextSeq, monitorState(),
                1_700_000_000_000L + nextSeq, reason);
    }

    static Batch batch() {
        return new Batch(5, 3, 1, 2, 2, 3, new float[]{0f, 1f, 2f, 3f, 4.5f, -5f});
    }

    /** Every kind of message, including the standalone records sent as messages or replies. */
    @SuppressWarnings("unchecked")
    static List<Object> messages(ActorRef<WorkerCommand> worker, ActorRef<LearnerCommand> learner,
                                 ActorRef<ControlReply> control, ActorRef<MonitorState> monitor) {
        return List.of(
                batch(),
                new Batch(6, 3, 1, 2, 2, 3, new float[]{0f, 1f, 2f, 3f, 4.5f, -5f},
                        new float[]{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}),
                batchRecord(7),
                new LambdaChange(12, 0.005),
                monitorState(),
                snapshot("epoch end", 4, true),
                snapshot("interrupt", 6, false),
                new ControlReply.Accepted("lambda 0.01 from batch 40"),
                new ControlReply.Rejected("lambda must be a finite number >= 0"),
                new WorkerCommand.UpdateWeights(weights(9)),
                new WorkerCommand.Configure("{\"model\":\"VDL\",\"lambda\":0.005}", weights(9)),
                new WorkerCommand.Configure("{\"model\":\"VDL\"}", weights(9),
                        new WorkerCommand.TrainingRows("{\"dataset\":\"mnist\",\"trainSamples\":2000}", 2000, 784,
                                0x1234_5678_9abcL), learner),
                new WorkerCommand.Configure("{\"model\":\"VDL-NL\"}", weights(9), null, learner,
                        new WorkerCommand.ChannelOffer("10.0.0.7", 40123, 0x7fed_cba9_8765_4321L)),
                new WorkerCommand.InferBatch(batch(), fista(), 9, learner),
                new WorkerCommand.InferBatch(new Batch(6, 3, 1, 2, 2, 3, new float[]{0f, 1f, 2f, 3f, 4.5f, -5f}, null,
                        new int[]{17, 4}), fista(), 9, learner),
                new WorkerCommand.InferRows(6, new int[]{17, 4}, fista(), 9, learner),
                new LearnerCommand.DataRead(worker, null),
                new LearnerCommand.DataRead(worker, "no MNIST in /data/mnist"),
                new LearnerCommand.WorkerReady(worker),
                new LearnerCommand.CodesComputed(5, 9, 2, 3, new float[]{0f, 0.5f, 0f, 1.5f, 0f, 2f}, null, 41.5, 57, worker),
                new LearnerCommand.CodesComputed(5, 9, 2, 3, new float[]{0f, 0.5f, 0f, 1.5f, 0f, 2f},
                        new float[]{1f, 0f, 2f, 0f, 0f, 3f, 0f, 0.5f, 0f, 1.5f, 0f, 2f}, 41.5, 57, worker),
                new LearnerCommand.CodesComputed(5, 9, 2, 3, null, null, 41.5, 57, worker), // left on the learner's node
                new LearnerCommand.CodesComputed(5, 9, 2, 3, new float[]{0f, 0.5f, 0f, 1.5f, 0f, 2f}, null, 41.5, 57, worker,
                        8.75),
                new LearnerCommand.EpochValidated(3, true),
                new LearnerCommand.SetLambda(0.01, control),
                new LearnerCommand.TakeSnapshot("control", control),
                new LearnerCommand.Stop("user", control),
                new LearnerCommand.Pause(control),
                new LearnerCommand.Resume(control),
                new LearnerCommand.GetStatus((ActorRef<LearnerStatus>) (ActorRef<?>) monitor),
                new LearnerStatus(12, 12, 0.01, true, false, 1, 2, 1_700_000_000_000L, "end of epoch 1", 500,
                        new float[]{0.5f, 0f, 1f}, weights(12)),
                new LearnerStatus(0, 0, 0.02, false, true, 0, 0, 0, null, 0, new float[3], weights(0)),
                new MonitorCommand.BatchApplied(batchRecord(8), 2),
                new MonitorCommand.LambdaChanged(new LambdaChange(40, 0.01)),
                new MonitorCommand.EpochFinished(3, 12.25, 3e-4, weights(11), fista(), learner),
                new MonitorCommand.GetState(monitor),
                new MonitorCommand.Restore(monitorState()));
    }
}
