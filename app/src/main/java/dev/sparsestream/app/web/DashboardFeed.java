package dev.sparsestream.app.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.actors.cluster.ClusterMembers;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerStatus;
import dev.sparsestream.protocol.MonitorState;
import dev.sparsestream.protocol.ProtocolTraffic;
import dev.sparsestream.protocol.WorkerCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The dashboard's view of a run: every applied batch, validated epoch and lambda change (the monitor reports
 * them here, on its thread), and the learner's latest status (polled). Readers take JSON from it on the HTTP
 * server's threads; all access is synchronised, and a reader's copy never changes afterwards. Clients follow
 * the run with a {@link Cursor}: {@link #updateSince} returns only what was added after it.
 */
public final class DashboardFeed implements RunListener {
    /** Throughput is measured over this many of the latest batches. */
    static final int THROUGHPUT_WINDOW = 10;

    /** What a run is, for the status panel. */
    public record RunInfo(String runDir, String dataset, int trainSamples, int workers, int maxStaleness) {
    }

    /** How far a client has read: counts of batches, epochs and lambda changes it holds. */
    public record Cursor(int batches, int epochs, int lambdaChanges) {
        public static final Cursor START = new Cursor(0, 0, 0);
    }

    /** New rows since a cursor, as JSON, and the cursor after them. */
    public record Update(ObjectNode json, Cursor next, boolean hasRows) {
    }

    private record EpochRow(EpochReport report, long lastSeq, boolean best) {
    }

    private final ObjectMapper json;
    private final ModelConfig config;
    private final RunInfo info;
    private final LongSupplier clock; // milliseconds; the tests' clock is manual
    private final long startedMillis;

    private final List<BatchRecord> batches = new ArrayList<>();
    private final List<Long> arrivalMillis = new ArrayList<>(); // -1: restored from a snapshot, time unknown
    private final List<EpochRow> epochs = new ArrayList<>();
    private final List<LambdaChange> lambdaChanges = new ArrayList<>();
    private int batchesPerEpoch;
    private int bestEpoch;
    private double bestValEnergy = Double.NaN;
    private LearnerStatus learner;
    private List<ClusterMembers.Node> nodes;          // null: not a cluster
    private final List<String[]> clusterEvents = new ArrayList<>(); // {ISO time, text}, the latest MAX_EVENTS
    private RunOutcome outcome;
    private long version; // bumped by every change, so that pollers can tell when to send

    public DashboardFeed(ModelConfig config, RunInfo info, LongSupplier clockMillis) {
        this.json = Json.mapper();
        this.config = config;
        this.info = info;
        this.clock = clockMillis;
        this.startedMillis = clockMillis.getAsLong();
    }

    public DashboardFeed(ModelConfig config, RunInfo info) {
        this(config, info, System::currentTimeMillis);
    }

    /** Continues a resumed run's history: its batches, epochs and lambda changes so far. */
    public synchronized void restore(MonitorState state, List<LambdaChange> history, int perEpoch) {
        batchesPerEpoch = perEpoch;
        for (BatchRecord r : state.batches()) {
            batches.add(r);
            arrivalMillis.add(-1L);
        }
        for (EpochReport e : state.epochs()) {
            epochs.add(new EpochRow(e, (long) e.epoch() * perEpoch - 1, e.epoch() == state.bestEpoch()));
        }
        bestEpoch = state.bestEpoch();
        bestValEnergy = state.epochs().isEmpty() ? Double.NaN : state.bestEnergy();
        lambdaChanges.addAll(history);
        version++;
    }

    // ------------------------------------------------------------------ from the run

    @Override
    public synchronized void onBatch(BatchRecord record, int perEpoch) {
        batchesPerEpoch = perEpoch;
        batches.add(record);
        arrivalMillis.add(clock.getAsLong());
        version++;
    }

    @Override
    public synchronized void onEpoch(EpochReport report, boolean isBest) {
        long lastSeq = batches.isEmpty() ? -1 : batches.get(batches.size() - 1).seq();
        epochs.add(new EpochRow(report, lastSeq, isBest));
        if (isBest) {
            bestEpoch = report.epoch();
            bestValEnergy = report.val().energy();
        }
        version++;
    }

    @Override
    public synchronized void onLambda(LambdaChange change) {
        lambdaChanges.add(change);
        version++;
    }

    /** The learner's latest status (null when it no longer answers). */
    public synchronized void learnerStatus(LearnerStatus status) {
        learner = status;
        version++;
    }

    /** The learner's status as last polled; null before the first answer. */
    public synchronized LearnerStatus learner() {
        return learner;
    }

    /** The cluster's members as last told; null when the run is not a cluster's. */
    public synchronized List<ClusterMembers.Node> nodes() {
        return nodes;
    }

    /** The cluster's members now, and what changed (null: only the worker counts did). */
    public synchronized void membership(List<ClusterMembers.Node> members, String event) {
        nodes = List.copyOf(members);
        if (event != null) {
            clusterEvents.add(new String[] {Instant.ofEpochMilli(clock.getAsLong()).toString(), event});
            if (clusterEvents.size() > MAX_EVENTS) {
                clusterEvents.remove(0);
            }
        }
        version++;
    }

    /** Membership events kept for the dashboard. */
    static final int MAX_EVENTS = 100;

    /** The run has ended: clients are told, and the feed changes no more. */
    public synchronized void ended(RunOutcome o) {
        outcome = o;
        version++;
    }

    public synchronized boolean hasEnded() {
        return outcome != null;
    }

    /** @return a number that changes whenever anything in the feed changes */
    public synchronized long version() {
        return version;
    }

    /** @return the latest learner status, or null before the first poll */
    public synchronized LearnerStatus learnerStatus() {
        return learner;
    }

    public ModelConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ to clients

    /** Everything, for a client that starts now. */
    public Update history() {
        return updateSince(Cursor.START);
    }

    /**
     * The rows added after {@code from}, and the status. A cursor beyond the feed (a client of an earlier
     * run, say) gets everything again, marked by {@code from = 0}.
     *
     * @return {@code {"batches": {"from": i, "seq": [...], ...}, "epochs": {"from": j, "rows": [...]},
     *         "lambdaChanges": {"from": k, "rows": [...]}, "status": {...}}}
     */
    public synchronized Update updateSince(Cursor from) {
        if (from.batches() > batches.size() || from.epochs() > epochs.size()
                || from.lambdaChanges() > lambdaChanges.size()) {
            from = Cursor.START;
        }
        ObjectNode root = json.createObjectNode();
        root.set("batches", batchColumns(from.batches()));
        ObjectNode e = root.putObject("epochs");
        e.put("from", from.epochs());
        ArrayNode rows = e.putArray("rows");
        for (EpochRow r : epochs.subList(from.epochs(), epochs.size())) {
            ObjectNode row = FiniteJson.finiteOnly(json.valueToTree(r.report()));
            row.put("lastSeq", r.lastSeq());
            row.put("trainEnergy", FiniteJson.finite(r.report().train().energy()));
            row.put("valEnergy", FiniteJson.finite(r.report().val().energy()));
            row.put("best", r.best());
            rows.add(row);
        }
        ObjectNode l = root.putObject("lambdaChanges");
        l.put("from", from.lambdaChanges());
        ArrayNode lrows = l.putArray("rows");
        for (LambdaChange c : lambdaChanges.subList(from.lambdaChanges(), lambdaChanges.size())) {
            lrows.addObject().put("fromSeq", c.fromBatch()).put("lambda", c.lambda());
        }
        root.set("status", status());
        Cursor next = new Cursor(batches.size(), epochs.size(), lambdaChanges.size());
        return new Update(root, next, !next.equals(from));
    }

    /** Column arrays (one per metric) of the batches from index {@code from}. */
    private ObjectNode batchColumns(int from) {
        ObjectNode b = json.createObjectNode();
        b.put("from", from);
        ArrayNode seq = b.putArray("seq");
        ArrayNode epoch = b.putArray("epoch");
        ArrayNode lambda = b.putArray("lambda");
        ArrayNode energy = b.putArray("energy");
        ArrayNode recon = b.putArray("reconstruction");
        ArrayNode l1 = b.putArray("sparsityTerm");
        ArrayNode hinge = b.putArray("hinge");
        ArrayNode encoder = b.putArray("encoderTerm");
        ArrayNode psnr = b.putArray("psnr");
        ArrayNode sparsity = b.putArray("sparsity");
        ArrayNode minStd = b.putArray("minStd");
        ArrayNode meanStd = b.putArray("meanStd");
        ArrayNode dead = b.putArray("dead");
        ArrayNode steps = b.putArray("fistaSteps");
        ArrayNode throughput = b.putArray("samplesPerSecond");
        ArrayNode staleness = b.putArray("staleness");
        for (int i = from; i < batches.size(); i++) {
            BatchRecord r = batches.get(i);
            BatchMetrics m = r.metrics();
            seq.add(r.seq());
            epoch.add(r.epoch());
            lambda.add(r.lambda());
            energy.add(FiniteJson.finite(m.energy().total()));
            recon.add(FiniteJson.finite(m.energy().reconstruction()));
            l1.add(FiniteJson.finite(m.energy().sparsity()));
            hinge.add(FiniteJson.finite(m.energy().hinge()));
            encoder.add(FiniteJson.finite(m.energy().encoder()));
            psnr.add(FiniteJson.finite(m.psnr()));
            sparsity.add(FiniteJson.finite(m.codes().sparsity()));
            minStd.add(FiniteJson.finite(m.codes().minStd()));
            meanStd.add(FiniteJson.finite(m.codes().meanStd()));
            dead.add(m.codes().deadComponents());
            steps.add(FiniteJson.finite(m.fistaSteps()));
            Double t = throughputAt(i);
            if (t == null) {
                throughput.addNull();
            } else {
                throughput.add(t);
            }
            staleness.add(r.staleness());
        }
        return b;
    }

    /** Samples per second over the window of batches ending at i (null when their times are not known). */
    private Double throughputAt(int i) {
        int j = Math.max(0, i - THROUGHPUT_WINDOW);
        if (j == i) {
            return null;
        }
        long t0 = arrivalMillis.get(j);
        long t1 = arrivalMillis.get(i);
        if (t0 < 0 || t1 <= t0) {
            return null;
        }
        return (double) (i - j) * config.batchSize() / ((t1 - t0) / 1000.0);
    }

    /** The status panel: what runs, where it is, how it is doing. */
    public synchronized ObjectNode status() {
        ObjectNode s = json.createObjectNode();
        s.put("state", state());
        if (outcome != null) {
            s.put("message", outcome.message());
        }
        s.put("model", config.model().toString());
        s.set("config", FiniteJson.finiteOnly(json.valueToTree(config)));
        s.set("run", json.valueToTree(info));
        s.put("elapsedSeconds", (clock.getAsLong() - startedMillis) / 1000.0);
        BatchRecord last = batches.isEmpty() ? null : batches.get(batches.size() - 1);
        s.put("batchesPerEpoch", batchesPerEpoch);
        s.put("epochs", config.epochs());
        s.put("appliedBatches", batches.size());
        s.put("epoch", last == null ? 0 : last.epoch());
        s.put("batchInEpoch", last == null ? 0 : last.index() + 1);
        s.put("staleness", last == null ? 0 : last.staleness());
        s.put("validatedEpochs", epochs.size());
        if (bestEpoch > 0) {
            s.put("bestEpoch", bestEpoch);
            s.put("bestValEnergy", FiniteJson.finite(bestValEnergy));
        } else {
            s.putNull("bestEpoch");
        }
        Double eta = etaSeconds(last);
        if (eta == null) {
            s.putNull("etaSeconds");
        } else {
            s.put("etaSeconds", eta);
        }
        if (learner != null) {
            // After the end the learner is gone; its version is then that of the last applied batch (one per batch).
            s.put("weightsVersion", outcome != null && last != null ? Math.max(learner.weightsVersion(), last.seq() + 1)
                    : learner.weightsVersion());
            s.put("lambda", learner.lambda());
            s.put("paused", learner.paused());
            s.put("inFlight", learner.inFlight());
            s.put("workers", learner.workers());
            if (learner.lastSnapshotMillis() > 0) {
                s.putObject("lastSnapshot").put("time", Instant.ofEpochMilli(learner.lastSnapshotMillis()).toString())
                        .put("millis", learner.lastSnapshotMillis()).put("reason", learner.lastSnapshotReason());
            } else {
                s.putNull("lastSnapshot");
            }
            ObjectNode usage = s.putObject("usage");
            usage.put("samples", learner.usageSamples());
            ArrayNode f = usage.putArray("fractions");
            for (float v : learner.componentUsage()) {
                f.add(v);
            }
        } else {
            s.put("lambda", last != null ? last.lambda() : config.lambda());
            s.putNull("lastSnapshot");
        }
        if (nodes != null) {
            ObjectNode cluster = s.putObject("cluster");
            cluster.set("nodes", json.valueToTree(nodes));
            ArrayNode events = cluster.putArray("events");
            for (String[] e : clusterEvents) {
                events.addObject().put("time", e[0]).put("text", e[1]);
            }
            // Serialised bytes: the traffic with other nodes (messages within the seed are not serialised).
            ObjectNode traffic = cluster.putObject("traffic");
            traffic.put("weightsSentBytes", ProtocolTraffic.weightsSent().bytes());
            traffic.put("weightsSentMessages", ProtocolTraffic.weightsSent().messages());
            traffic.put("batchesSentBytes", ProtocolTraffic.of(WorkerCommand.InferBatch.class).sent().bytes());
            traffic.put("codesReceivedBytes", ProtocolTraffic.of(LearnerCommand.CodesComputed.class).received().bytes());
        }
        return s;
    }

    private String state() {
        if (outcome != null) {
            return switch (outcome.status()) {
                case COMPLETED -> "completed";
                case STOPPED -> "stopped";
                case FAILED -> "failed";
            };
        }
        if (learner == null) {
            return "starting";
        }
        if (learner.stopping()) {
            return "stopping";
        }
        return learner.paused() ? "paused" : "running";
    }

    /**
     * Seconds to the last configured epoch (early stopping may end the run sooner): the batches left times
     * the recent time per batch, validation included, measured over the latest epoch when one finished in
     * this process, else over the latest batches. Null when unknown, paused or ended.
     */
    private Double etaSeconds(BatchRecord last) {
        if (outcome != null || batchesPerEpoch == 0 || (learner != null && learner.paused())) {
            return null;
        }
        long remaining = (long) config.epochs() * batchesPerEpoch - (last == null ? 0 : last.seq() + 1);
        int n = arrivalMillis.size();
        double secondsPerBatch = Double.NaN;
        if (!epochs.isEmpty() && n > batchesPerEpoch && arrivalMillis.get(n - 1 - batchesPerEpoch) >= 0) {
            EpochRow e = epochs.get(epochs.size() - 1);
            secondsPerBatch = e.report().seconds() / batchesPerEpoch;
        } else if (n > 1) {
            int j = Math.max(0, n - 1 - 2 * THROUGHPUT_WINDOW);
            long t0 = arrivalMillis.get(j);
            long t1 = arrivalMillis.get(n - 1);
            if (t0 >= 0 && t1 > t0) {
                secondsPerBatch = (t1 - t0) / 1000.0 / (n - 1 - j);
            }
        }
        return Double.isFinite(secondsPerBatch) ? Math.max(0, remaining) * secondsPerBatch : null;
    }
}
