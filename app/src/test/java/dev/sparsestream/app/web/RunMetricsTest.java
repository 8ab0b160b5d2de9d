package dev.sparsestream.app.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.actors.RemoteRoundTrips;
import dev.sparsestream.actors.cluster.ClusterMembers;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.protocol.LearnerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exposition alone, from a feed told by hand: what each metric says after batches, an epoch and a cluster. */
class RunMetricsTest {
    private static ModelConfig config() {
        ModelConfig.Builder b = Presets.mnist(Family.VDL).toBuilder();
        b.codeDim = 8;
        b.batchSize = 10;
        return b.build();
    }

    @Test
    void batchesEpochsTheLearnerAndTheClusterAreExposedAsPrometheusReadsThem() {
        ModelConfig c = config();
        DashboardFeed feed = new DashboardFeed(c, new DashboardFeed.RunInfo("runs/x", "mnist", 30, 2, 1), () -> 0L);
        RunMetrics metrics = new RunMetrics(feed, c.batchSize());
        String empty = metrics.scrape();
        assertTrue(empty.contains("sparse_stream_batches_applied_total 0.0"), empty);
        assertFalse(empty.contains("sparse_stream_workers "), "no learner status yet, no workers line: " + empty);

        for (long s = 0; s < 3; s++) {
            metrics.onBatch(DashboardTest.batch(s, 0.02, 1 + s), 3);
        }
        metrics.onEpoch(DashboardTest.epoch(1, 50), true);
        feed.learnerStatus(new LearnerStatus(3, 3, 0.02, false, false, 1, 4, System.currentTimeMillis() - 30_000,
                "end of epoch 1", 0, new float[8], SparseAutoencoder.initialise(c).exportWeights(3)));
        feed.membership(List.of(new ClusterMembers.Node("pekko://s@10.0.0.1:25520", List.of("seed"), "Up", true, 2),
                new ClusterMembers.Node("pekko://s@10.0.0.2:25520", List.of("worker"), "Up", true, 2),
                new ClusterMembers.Node("pekko://s@10.0.0.3:25520", List.of("worker"), "Up", false, 0)), "joined");
        String text = metrics.scrape();
        assertTrue(text.contains("sparse_stream_batches_applied_total 3.0"), text);
        assertTrue(text.contains("sparse_stream_samples_applied_total 30.0"), text);
        assertTrue(text.contains("sparse_stream_energy 312.5"), "the latest batch's (300 + 10 + 0.5 + 2): " + text);
        assertTrue(text.contains("sparse_stream_sparsity 0.8"), text);
        assertTrue(text.contains("sparse_stream_validation_energy 60.0"), text);
        assertTrue(text.contains("sparse_stream_workers 4.0"), text);
        assertTrue(text.contains("sparse_stream_batches_in_flight 1.0"), text);
        assertTrue(text.matches("(?s).*sparse_stream_snapshot_age_seconds 3\\d\\.\\d+.*"), text);
        assertTrue(text.contains("sparse_stream_cluster_members{status=\"Up\"} 2.0"), text);
        assertTrue(text.contains("sparse_stream_cluster_members{status=\"unreachable\"} 1.0"), text);
        assertTrue(text.contains("sparse_stream_node_workers{node=\"pekko://s@10.0.0.2:25520\"} 2.0"), text);
        assertTrue(text.contains("# TYPE sparse_stream_samples_per_second gauge"), text);
    }

    @Test
    void remoteRoundTripsAreExposedInSecondsOnceABatchCameBack() {
        ModelConfig c = config();
        DashboardFeed feed = new DashboardFeed(c, new DashboardFeed.RunInfo("runs/x", "mnist", 30, 2, 1), () -> 0L);
        RunMetrics metrics = new RunMetrics(feed, c.batchSize());
        // The figures are the JVM's: a window's worth of batches (30 ms, of which the worker's 12 ms) replaces
        // whatever other tests in this JVM added.
        long before = RemoteRoundTrips.summary().batches();
        for (int i = 0; i < RemoteRoundTrips.WINDOW; i++) {
            RemoteRoundTrips.add(30, 12);
        }
        String text = metrics.scrape();
        assertTrue(text.contains("sparse_stream_remote_batches_total " + (double) (before + RemoteRoundTrips.WINDOW)),
                text);
        assertTrue(text.contains("sparse_stream_remote_round_trip_seconds{part=\"total\"} 0.03"), text);
        assertTrue(text.contains("sparse_stream_remote_round_trip_seconds{part=\"worker\"} 0.012"), text);
        assertTrue(text.contains("sparse_stream_remote_round_trip_seconds{part=\"hops\"} 0.018"), text);
    }
}
