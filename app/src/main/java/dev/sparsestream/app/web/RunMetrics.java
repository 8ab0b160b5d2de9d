package dev.sparsestream.app.web;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.sparsestream.actors.RemoteRoundTrips;
import dev.sparsestream.actors.RunListener;
import dev.sparsestream.actors.cluster.ClusterMembers;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LearnerStatus;
import dev.sparsestream.protocol.ProtocolTraffic;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The run's figures for Prometheus: {@code GET /metrics} on the run's HTTP server (the seed's, in a cluster), in
 * Prometheus's text exposition format, through the Prometheus Java client. Per batch (told by the monitor):
 * batches and samples applied, samples per second over the last batches, and the latest batch's energy, PSNR,
 * sparsity, FISTA steps, staleness and lambda; per epoch: the validation energy and PSNR. At each scrape, from
 * what the dashboard last heard: the learner's workers, batches in flight and snapshot age, the cluster's
 * members by status and workers per node, the bytes each message type has sent and received, and the batches
 * sent to workers on other nodes with their median round trip and the worker's own part of it (the rest is the
 * hops of the scaling model in docs/cluster.md).
 */
public final class RunMetrics implements RunListener {
    /** Samples per second are measured over this many of the latest batches. */
    static final int RATE_WINDOW = 20;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final DashboardFeed feed;
    private final int batchSize;
    private final Deque<Long> applied = new ArrayDeque<>(); // System.nanoTime() of the latest batches
    private final Counter batches = counter("sparse_stream_batches_applied", "Batches the learner has applied");
    private final Counter samples = counter("sparse_stream_samples_applied", "Samples in the batches applied");
    private final Gauge samplesPerSecond = gauge("sparse_stream_samples_per_second",
            "Samples applied per second over the latest " + RATE_WINDOW + " batches");
    private final Gauge energy = gauge("sparse_stream_energy", "The latest batch's energy (its FISTA codes)");
    private final Gauge psnr = gauge("sparse_stream_psnr_db", "The latest batch's mean reconstruction PSNR, dB");
    private final Gauge sparsity = gauge("sparse_stream_sparsity", "The latest batch's fraction of zero code entries");
    private final Gauge fistaSteps = gauge("sparse_stream_fista_steps", "The latest batch's mean FISTA steps a sample");
    private final Gauge staleness = gauge("sparse_stream_staleness", "Versions between the latest batch's weights and "
            + "those it was applied to");
    private final Gauge lambda = gauge("sparse_stream_lambda", "The latest batch's lambda");
    private final Gauge epoch = gauge("sparse_stream_epochs_validated", "Epochs validated");
    private final Gauge valEnergy = gauge("sparse_stream_validation_energy", "The latest epoch's validation energy");
    private final Gauge valPsnr = gauge("sparse_stream_validation_psnr_db", "The latest epoch's validation PSNR, dB");

    /** @param feed what the dashboard last heard from the learner and the cluster (read at each scrape) */
    public RunMetrics(DashboardFeed feed, int batchSize) {
        this.feed = feed;
        this.batchSize = batchSize;
        GaugeWithCallback.builder().name("sparse_stream_workers").help("Inference workers the learner has")
                .callback(cb -> status(s -> cb.call(s.workers()))).register(registry);
        GaugeWithCallback.builder().name("sparse_stream_batches_in_flight").help("Batches sent out and not yet applied")
                .callback(cb -> status(s -> cb.call(s.inFlight()))).register(registry);
        GaugeWithCallback.builder().name("sparse_stream_snapshot_age_seconds")
                .help("Seconds since the learner's last snapshot (absent before the first)")
                .callback(cb -> status(s -> {
                    if (s.lastSnapshotMillis() > 0) {
                        cb.call((System.currentTimeMillis() - s.lastSnapshotMillis()) / 1000.0);
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("sparse_stream_cluster_members").help("Cluster members by status")
                .labelNames("status").callback(cb -> {
                    List<ClusterMembers.Node> nodes = feed.nodes();
                    if (nodes != null) {
                        Map<String, Integer> byStatus = new TreeMap<>();
                        nodes.forEach(n -> byStatus.merge(n.reachable() ? n.status() : "unreachable", 1, Integer::sum));
                        byStatus.forEach((status, count) -> cb.call(count, status));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("sparse_stream_node_workers").help("Inference workers on each cluster node")
                .labelNames("node").callback(cb -> {
                    List<ClusterMembers.Node> nodes = feed.nodes();
                    if (nodes != null) {
                        nodes.forEach(n -> cb.call(n.workers(), n.address()));
                    }
                }).register(registry);
        CounterWithCallback.builder().name("sparse_stream_message_bytes")
                .help("Bytes of serialised messages by type and direction (what crossed between nodes)")
                .labelNames("type", "direction").callback(cb -> ProtocolTraffic.all().forEach((type, flow) -> {
                    cb.call(flow.sent().bytes(), type, "sent");
                    cb.call(flow.received().bytes(), type, "received");
                })).register(registry);
        CounterWithCallback.builder().name("sparse_stream_remote_batches")
                .help("Batches sent to inference workers on other nodes and answered")
                .callback(cb -> cb.call(RemoteRoundTrips.summary().batches())).register(registry);
        GaugeWithCallback.builder().name("sparse_stream_remote_round_trip_seconds")
                .help("Median over the latest " + RemoteRoundTrips.WINDOW + " remote batches of the time from "
                        + "sending one to its codes (part=\"total\"), of the worker's own time in it (part=\"worker\") "
                        + "and of the rest, both messages' way and waits (part=\"hops\"); absent before the first")
                .labelNames("part").callback(cb -> {
                    RemoteRoundTrips.Summary t = RemoteRoundTrips.summary();
                    if (t.batches() > 0) {
                        cb.call(t.roundTripMillis() / 1e3, "total");
                        cb.call(t.inferenceMillis() / 1e3, "worker");
                        cb.call(t.hopsMillis() / 1e3, "hops");
                    }
                }).register(registry);
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    private Gauge gauge(String name, String help) {
        return Gauge.builder().name(name).help(help).register(registry);
    }

    private void status(java.util.function.Consumer<LearnerStatus> use) {
        LearnerStatus s = feed.learner();
        if (s != null) {
            use.accept(s);
        }
    }

    @Override
    public void onBatch(BatchRecord record, int batchesPerEpoch) {
        BatchMetrics m = record.metrics();
        batches.inc();
        samples.inc(batchSize);
        energy.set(m.energy().total());
        psnr.set(m.psnr());
        sparsity.set(m.codes().sparsity());
        fistaSteps.set(m.fistaSteps());
        staleness.set(record.staleness());
        lambda.set(record.lambda());
        long now = System.nanoTime();
        synchronized (applied) {
            applied.addLast(now);
            if (applied.size() > RATE_WINDOW + 1) {
                applied.removeFirst();
            }
            if (applied.size() > 1) {
                double seconds = (now - applied.peekFirst()) / 1e9;
                samplesPerSecond.set((applied.size() - 1) * (double) batchSize / seconds);
            }
        }
    }

    @Override
    public void onEpoch(EpochReport report, boolean isBest) {
        epoch.set(report.epoch());
        valEnergy.set(report.val().energy());
        valPsnr.set(report.val().psnr());
    }

    /** The exposition now, as Prometheus scrapes it. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: never
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code GET /metrics}: no token (read-only figures, as Prometheus scrapes them). */
    public Route route() {
        ContentType type = ContentTypes.parse(writer.getContentType());
        return path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(
                HttpEntities.create((ContentType.NonBinary) type, scrape())))));
    }
}
