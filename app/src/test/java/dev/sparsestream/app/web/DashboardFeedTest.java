package dev.sparsestream.app.web;

import static dev.sparsestream.app.web.DashboardTest.batch;
import static dev.sparsestream.app.web.DashboardTest.epoch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LearnerStatus;
import dev.sparsestream.protocol.MonitorState;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The feed alone, with a manual clock: cursors, throughput, ETA, restore and the states. */
public class DashboardFeedTest {
    private final AtomicLong clock = new AtomicLong(0);
    private final ModelConfig config = config();

    private static ModelConfig config() {
        ModelConfig.Builder b = Presets.mnist(Family.VDL).toBuilder();
        b.codeDim = 8;
        b.batchSize = 10;
        b.epochs = 5;
        return b.build();
    }

    private DashboardFeed feed() {
        return new DashboardFeed(config, new DashboardFeed.RunInfo("runs/x", "mnist", 30, 2, 1), clock::get);
    }

    private LearnerStatus learner(boolean paused, boolean stopping) {
        return new LearnerStatus(3, 3, 0.02, paused, stopping, 0, 2, 0, null, 0, new float[8],
                SparseAutoencoder.initialise(config).exportWeights(3));
    }

    @Test
    void aCursorReceivesOnlyWhatWasAddedAfterIt() {
        DashboardFeed f = feed();
        f.onBatch(batch(0, 0.02, 1), 3);
        DashboardFeed.Update first = f.history();
        assertTrue(first.hasRows());
        assertEquals(new DashboardFeed.Cursor(1, 0, 0), first.next());

        DashboardFeed.Update none = f.updateSince(first.next());
        assertFalse(none.hasRows());
        assertEquals(0, none.json().get("batches").get("seq").size());
        assertEquals(1, none.json().get("batches").get("from").asInt());

        f.onLambda(new LambdaChange(1, 0.01));
        f.onBatch(batch(1, 0.01, 1), 3);
        DashboardFeed.Update more = f.updateSince(first.next());
        assertEquals(1, more.json().get("batches").get("seq").size());
        assertEquals(1, more.json().get("batches").get("seq").get(0).asInt());
        assertEquals(1, more.json().get("lambdaChanges").get("rows").size());
        assertEquals(new DashboardFeed.Cursor(2, 0, 1), more.next());

        // A cursor from elsewhere (beyond the feed) gets everything again, from 0.
        DashboardFeed.Update again = f.updateSince(new DashboardFeed.Cursor(50, 0, 0));
        assertEquals(0, again.json().get("batches").get("from").asInt());
        assertEquals(2, again.json().get("batches").get("seq").size());
    }

    @Test
    void throughputIsSamplesPerSecondOverTheLatestBatches() {
        DashboardFeed f = feed();
        for (int i = 0; i < 15; i++) {
            clock.set(i * 500L); // a batch of 10 every 0.5 s: 20 samples/s
            f.onBatch(batch(i, 0.02, 1), 3);
        }
        JsonNode t = f.history().json().get("batches").get("samplesPerSecond");
        assertTrue(t.get(0).isNull(), "no rate from a single batch");
        for (int i = 1; i < 15; i++) {
            assertEquals(20.0, t.get(i).asDouble(), 1e-9, "batch " + i);
        }
    }

    @Test
    void etaIsTheBatchesLeftTimesTheLatestEpochsTimePerBatch() {
        DashboardFeed f = feed();
        f.learnerStatus(learner(false, false));
        assertTrue(f.status().get("etaSeconds").isNull(), "nothing measured yet");
        for (int i = 0; i < 3; i++) {
            clock.set(1000L * i);
            f.onBatch(batch(i, 0.02, 1), 3);
        }
        // Before an epoch has ended: 1 s per batch from the arrivals, 5 * 3 - 3 = 12 batches left.
        assertEquals(12.0, f.status().get("etaSeconds").asDouble(), 1e-9);
        f.onEpoch(epoch(1, 40), true); // 4.0 s for its 3 batches, validation included
        for (int i = 3; i < 6; i++) {
            clock.set(1000L * i);
            f.onBatch(batch(i, 0.02, 1), 3);
        }
        // 9 batches left at 4/3 s each.
        assertEquals(12.0, f.status().get("etaSeconds").asDouble(), 1e-9);
        f.learnerStatus(learner(true, false));
        assertTrue(f.status().get("etaSeconds").isNull(), "no ETA while paused");
        assertEquals("paused", f.status().get("state").asText());
    }

    @Test
    void aClusterRunShowsItsMembersTheirChangesAndTraffic() {
        DashboardFeed f = feed();
        assertTrue(f.status().get("cluster") == null, "a single-node run has no cluster panel");
        var seed = new dev.sparsestream.actors.cluster.ClusterMembers.Node("pekko://sparse-stream@127.0.0.1:2551",
                java.util.List.of("seed"), "up", true, 1);
        var worker = new dev.sparsestream.actors.cluster.ClusterMembers.Node("pekko://sparse-stream@127.0.0.1:40000",
                java.util.List.of("worker"), "up", false, 2);
        long before = f.version();
        f.membership(java.util.List.of(seed, worker), "node pekko://sparse-stream@127.0.0.1:40000 is unreachable");
        f.membership(java.util.List.of(seed, worker), null); // only the worker counts changed: no event line
        assertTrue(f.version() > before, "clients are told");
        var cluster = f.status().get("cluster");
        assertEquals(2, cluster.get("nodes").size());
        assertEquals("worker", cluster.get("nodes").get(1).get("roles").get(0).asText());
        assertFalse(cluster.get("nodes").get(1).get("reachable").asBoolean());
        assertEquals(2, cluster.get("nodes").get(1).get("workers").asInt());
        assertEquals(1, cluster.get("events").size());
        assertEquals("node pekko://sparse-stream@127.0.0.1:40000 is unreachable",
                cluster.get("events").get(0).get("text").asText());
        assertTrue(cluster.get("traffic").get("weightsSentBytes").asLong() >= 0);
        for (int i = 0; i < DashboardFeed.MAX_EVENTS + 5; i++) {
            f.membership(java.util.List.of(seed), "event " + i);
        }
        var events = f.status().get("cluster").get("events");
        assertEquals(DashboardFeed.MAX_EVENTS, events.size(), "the oldest events go");
        assertEquals("event " + (DashboardFeed.MAX_EVENTS + 4), events.get(events.size() - 1).get("text").asText());
    }

    @Test
    void statesFollowTheLearnerAndTheOutcome() {
        DashboardFeed f = feed();
        assertEquals("starting", f.status().get("state").asText());
        f.learnerStatus(learner(false, false));
        assertEquals("running", f.status().get("state").asText());
        f.learnerStatus(learner(false, true));
        assertEquals("stopping", f.status().get("state").asText());
        long v = f.version();
        f.ended(new RunOutcome(RunOutcome.Status.FAILED, "the energy became NaN", null, null, 3));
        assertTrue(f.version() > v, "every change moves the version");
        assertEquals("failed", f.status().get("state").asText());
        assertEquals("the energy became NaN", f.status().get("message").asText());
        assertTrue(f.status().get("etaSeconds").isNull());
    }

    @Test
    void aResumedRunShowsItsHistory() {
        DashboardFeed f = feed();
        List<BatchRecord> batches = List.of(batch(0, 0.02, 1), batch(1, 0.02, 1), batch(2, 0.01, 1));
        f.restore(new MonitorState(batches, List.of(epoch(1, 40)), 1, 50.0, null), List.of(new LambdaChange(2, 0.01)), 3);
        JsonNode h = f.history().json();
        assertEquals(3, h.get("batches").get("seq").size());
        assertTrue(h.get("batches").get("samplesPerSecond").get(2).isNull(), "restored batches have no times");
        assertEquals(2, h.get("epochs").get("rows").get(0).get("lastSeq").asLong());
        assertEquals(0.01, h.get("lambdaChanges").get("rows").get(0).get("lambda").asDouble());
        assertEquals(1, h.get("status").get("bestEpoch").asInt());
        assertEquals(3, h.get("status").get("batchesPerEpoch").asInt());
    }
}
