package dev.sparsestream.app.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.actors.RunOutcome;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerStatus;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's read-only views over real HTTP, served by the run's {@link ControlServer}: the page and
 * its scripts, status, metrics, the event stream and the pictures. The learner is a stand-in that answers
 * status requests with a status of a real model's weights.
 */
public class DashboardTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int L = 16;

    @TempDir
    Path runDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final AtomicReference<LearnerStatus> learnerStatus = new AtomicReference<>();
    private ModelConfig config;
    private SparseAutoencoder model;
    private Dataset samples;
    private DashboardFeed feed;
    private Dashboard dashboard;
    private ControlServer server;

    @BeforeEach
    void start() throws Exception {
        ModelConfig.Builder b = Presets.mnist(Family.VDL).toBuilder();
        b.codeDim = L;
        b.epochs = 4;
        b.batchSize = 10;
        config = b.build();
        model = SparseAutoencoder.initialise(config);
        samples = samples(30);
        learnerStatus.set(status(7, false));
        // Answers GetStatus with whatever status the test set (none: silent, like a stopped learner).
        ActorRef<LearnerCommand> learner = KIT.spawn(Behaviors.receive(LearnerCommand.class)
                .onMessage(LearnerCommand.GetStatus.class, m -> {
                    LearnerStatus s = learnerStatus.get();
                    if (s != null) {
                        m.replyTo().tell(s);
                    }
                    return Behaviors.same();
                }).build());
        feed = new DashboardFeed(config, new DashboardFeed.RunInfo(runDir.toString(), "mnist", 30, 1, 0), clock::get);
        dashboard = Dashboard.start(KIT.system(), learner, feed, new DashboardImages(config, samples));
        server = ControlServer.start(KIT.system(), learner, runDir, "127.0.0.1", 0, Duration.ofSeconds(5),
                dashboard.route());
    }

    @AfterEach
    void stop() {
        server.close();
        dashboard.close();
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** 28 x 28 samples with labels 0..9 repeating; sample i is a ramp, so its pixels are known. */
    static Dataset samples(int n) {
        float[] x = new float[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (i * 7) % 10;
            for (int p = 0; p < 784; p++) {
                x[i * 784 + p] = (float) ((p % 28) / 27.0 * 2 - 0.4 + 0.01 * i);
            }
        }
        return new Dataset("samples", x, n, 784, labels);
    }

    private LearnerStatus status(long version, boolean paused) {
        float[] usage = new float[L];
        usage[3] = 0.5f;
        return new LearnerStatus(version, version, 0.02, paused, false, 1, 1, 1_700_000_000_000L, "end of epoch 1", 40,
                usage, model.exportWeights(version));
    }

    static BatchRecord batch(long seq, double lambda, double energyScale) {
        Energy e = new Energy(100 * energyScale, 10, 0.5, 2);
        return new BatchRecord(seq, (int) (seq / 3) + 1, (int) (seq % 3), lambda, seq, 0,
                new BatchMetrics(e, 12.5, new CodeStats(0.3, 0.6, 1, 0.8), 40, 60, 0.1, 0.2, 0.05));
    }

    static EpochReport epoch(int n, double valRecon) {
        Summary train = new Summary(new Energy(100, 10, 0.5, 2), 12.5, 0.8, 40, 0.3, 0.6, 1);
        Summary val = new Summary(new Energy(valRecon, 9, 0, 1), 13, 0.7, Double.NaN, 0.25, 0.5, 0);
        return new EpochReport(n, 4.0, 3e-4, train, val);
    }

    private HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<byte[]> r = get(path);
        assertEquals(200, r.statusCode(), new String(r.body()));
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(r.body());
    }

    private JsonNode awaitStatus(java.util.function.Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode s = getJson("/api/status");
        while (!condition.test(s) && System.nanoTime() < deadline) {
            Thread.sleep(50); // the dashboard polls the learner once a second
            s = getJson("/api/status");
        }
        assertTrue(condition.test(s), s.toString());
        return s;
    }

    // ------------------------------------------------------------------ the page

    @Test
    void thePageAndItsScriptsAreServedWithoutATokenAndWithSafeHeaders() throws Exception {
        HttpResponse<byte[]> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String html = new String(page.body());
        assertTrue(html.contains("<title>sparse-stream dashboard</title>"), html);
        assertTrue(html.contains("static/vendor/uPlot.iife.min.js"), "the charts come from the vendored copy");
        assertFalse(html.matches("(?s).*src=\"https?://.*"), "no script from another site");
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));

        for (String asset : List.of("/static/dashboard.js", "/static/dashboard.css", "/static/vendor/uPlot.iife.min.js",
                "/static/vendor/uPlot.min.css", "/static/vendor/LICENSE")) {
            HttpResponse<byte[]> r = get(asset);
            assertEquals(200, r.statusCode(), asset);
            assertTrue(r.body().length > 500, asset + " is " + r.body().length + " bytes");
        }
        assertTrue(new String(get("/static/vendor/uPlot.iife.min.js").body()).contains("uPlot"));
        assertEquals(404, get("/static/../dashboard/index.html").statusCode());
        assertEquals(404, get("/static/%2e%2e/%2e%2e/META-INF/MANIFEST.MF").statusCode());
        assertEquals(404, get("/static/missing.js").statusCode());
        assertEquals(404, get("/nothing-here").statusCode());
    }

    @Test
    void readOnlyViewsRefuseChanges() throws Exception {
        for (String path : List.of("/api/status", "/api/metrics", "/api/events", "/api/dictionary.png", "/")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, r.statusCode(), path + ": " + r.body());
        }
    }

    // ------------------------------------------------------------------ status and metrics

    @Test
    void statusShowsTheRunAndTheLearner() throws Exception {
        feed.onBatch(batch(0, 0.02, 1), 3);
        JsonNode s = awaitStatus(j -> j.path("weightsVersion").asLong(-1) == 7);
        assertEquals("running", s.get("state").asText());
        assertEquals("VDL", s.get("model").asText());
        assertEquals(L, s.get("config").get("codeDim").asInt());
        assertEquals(30, s.get("run").get("trainSamples").asInt());
        assertEquals(1, s.get("epoch").asInt());
        assertEquals(1, s.get("batchInEpoch").asInt());
        assertEquals(3, s.get("batchesPerEpoch").asInt());
        assertEquals(0.02, s.get("lambda").asDouble());
        assertEquals("2023-11-14T22:13:20Z", s.get("lastSnapshot").get("time").asText());
        assertEquals("end of epoch 1", s.get("lastSnapshot").get("reason").asText());
        assertEquals(40, s.get("usage").get("samples").asInt());
        assertEquals(L, s.get("usage").get("fractions").size());
        assertEquals(0.5, s.get("usage").get("fractions").get(3).asDouble());
        assertTrue(s.get("bestEpoch").isNull());

        learnerStatus.set(status(8, true));
        assertEquals("paused", awaitStatus(j -> j.path("weightsVersion").asLong() == 8).get("state").asText());
    }

    @Test
    void metricsHoldTheWholeHistoryAsColumns() throws Exception {
        for (int i = 0; i < 3; i++) {
            feed.onBatch(batch(i, 0.02, 1 + i), 3);
        }
        feed.onEpoch(epoch(1, 50), true);
        feed.onLambda(new LambdaChange(3, 0.01));
        feed.onBatch(batch(3, 0.01, 0.5), 3);
        JsonNode m = getJson("/api/metrics");
        JsonNode b = m.get("batches");
        assertEquals(0, b.get("from").asInt());
        assertEquals(4, b.get("seq").size());
        assertEquals(200.0, b.get("reconstruction").get(1).asDouble());
        assertEquals(200 + 10 + 0.5 + 2, b.get("energy").get(1).asDouble(), 1e-9);
        assertEquals(0.01, b.get("lambda").get(3).asDouble());
        assertEquals(0.8, b.get("sparsity").get(0).asDouble());
        JsonNode e = m.get("epochs").get("rows").get(0);
        assertEquals(1, e.get("epoch").asInt());
        assertEquals(2, e.get("lastSeq").asLong());
        assertEquals(60.0, e.get("valEnergy").asDouble(), 1e-9);
        assertTrue(e.get("best").asBoolean());
        assertTrue(e.get("val").get("fistaSteps").isNull(), "NaN travels as null: JSON has no NaN");
        assertEquals(3, m.get("lambdaChanges").get("rows").get(0).get("fromSeq").asLong());
        assertEquals(1, m.get("status").get("bestEpoch").asInt());
    }

    // ------------------------------------------------------------------ events

    /** Server-sent events as (type, data) pairs, read on a thread of their own. */
    private BlockingQueue<String[]> follow(String path) throws Exception {
        BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
        Thread reader = new Thread(() -> {
            String type = "message";
            StringBuilder data = new StringBuilder();
            for (var it = r.body().iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                } else if (line.isEmpty() && data.length() > 0) {
                    events.add(new String[]{type, data.toString()});
                    type = "message";
                    data.setLength(0);
                }
            }
            events.add(new String[]{"closed", ""});
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();
        return events;
    }

    private static String[] next(BlockingQueue<String[]> events) throws InterruptedException {
        String[] e = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(e, "no event within 10 s");
        return e;
    }

    @Test
    void eventsSendTheHistoryThenOnlyNewRowsThenTheEnd() throws Exception {
        feed.onBatch(batch(0, 0.02, 1), 3);
        feed.onBatch(batch(1, 0.02, 1), 3);
        BlockingQueue<String[]> events = follow("/api/events");
        String[] first = next(events);
        assertEquals("update", first[0]);
        JsonNode u = JSON.readTree(first[1]);
        assertEquals(0, u.get("batches").get("from").asInt());
        assertEquals(2, u.get("batches").get("seq").size());

        feed.onBatch(batch(2, 0.02, 1), 3);
        feed.onEpoch(epoch(1, 40), true);
        // Status-only updates (the learner poll) may come first; wait for the one with the new rows.
        JsonNode rows;
        do {
            rows = JSON.readTree(next(events)[1]);
        } while (rows.get("batches").get("seq").isEmpty());
        assertEquals(2, rows.get("batches").get("from").asInt());
        assertEquals(List.of(2L), longs(rows.get("batches").get("seq")));
        assertEquals(0, rows.get("epochs").get("from").asInt());
        assertEquals(1, rows.get("epochs").get("rows").size());
        assertEquals(1, dashboard.clients());

        feed.ended(new RunOutcome(RunOutcome.Status.COMPLETED, "completed after epoch 4", null, null, 12));
        String[] e;
        do {
            e = next(events);
        } while (e[0].equals("update"));
        assertEquals("end", e[0]);
        JsonNode end = JSON.readTree(e[1]);
        assertEquals("completed", end.get("state").asText());
        assertEquals("completed after epoch 4", end.get("message").asText());
        assertEquals("closed", next(events)[0], "the stream ends after the end event");
        dashboard.awaitClientsTold(Duration.ofSeconds(5));
        assertEquals(0, dashboard.clients());
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }

    // ------------------------------------------------------------------ pictures

    @Test
    void picturesShowTheCurrentWeights() throws Exception {
        awaitStatus(j -> j.path("weightsVersion").asLong(-1) == 7);
        HttpResponse<byte[]> dict = get("/api/dictionary.png");
        assertEquals(200, dict.statusCode());
        assertEquals("image/png", dict.headers().firstValue("Content-Type").orElse(""));
        assertEquals("7", dict.headers().firstValue("X-Weights-Version").orElse(""));
        BufferedImage atoms = ImageIO.read(new ByteArrayInputStream(dict.body()));
        // 16 atoms of 28 x 28 drawn 2x, in one row of 16, with 1 pixel of padding
        assertEquals(1 + 16 * (56 + 1), atoms.getWidth());
        assertEquals(1 + 56 + 1, atoms.getHeight());

        HttpResponse<byte[]> rec = get("/api/reconstructions.png");
        assertEquals(200, rec.statusCode());
        BufferedImage pair = ImageIO.read(new ByteArrayInputStream(rec.body()));
        assertEquals(2 + 10 * (56 + 2), pair.getWidth(), "ten inputs");
        assertEquals(2 + 2 * (56 + 2), pair.getHeight(), "inputs above reconstructions");
        // The first input shown is the first sample of label 0 (sample 0), in pixel space 0.3081 x + 0.1307:
        // its pixel (0, 27) has x = 2 - 0.4, its pixel (0, 0) x = -0.4.
        int x0 = 2;
        int y0 = 2;
        assertEquals(Math.round(255 * (0.3081 * 1.6 + 0.1307)), pair.getRaster().getSample(x0 + 27 * 2, y0, 0));
        assertEquals(Math.round(255 * (0.3081 * -0.4 + 0.1307)), pair.getRaster().getSample(x0, y0, 0));
        // The second input is the first sample of label 1 (sample 3): x = -0.4 + 0.03 at pixel (0, 0).
        assertEquals(Math.round(255 * (0.3081 * -0.37 + 0.1307)), pair.getRaster().getSample(x0 + 58, y0, 0));

        learnerStatus.set(status(9, false));
        awaitStatus(j -> j.path("weightsVersion").asLong() == 9);
        assertEquals("9", get("/api/dictionary.png").headers().firstValue("X-Weights-Version").orElse(""));
    }

    @Test
    void noPicturesBeforeTheLearnerHasAnswered() throws Exception {
        server.close();
        dashboard.close();
        learnerStatus.set(null);
        ActorRef<LearnerCommand> silent = KIT.spawn(Behaviors.ignore());
        DashboardFeed fresh = new DashboardFeed(config, new DashboardFeed.RunInfo("r", "mnist", 30, 1, 0), clock::get);
        dashboard = Dashboard.start(KIT.system(), silent, fresh, new DashboardImages(config, samples));
        server = ControlServer.start(KIT.system(), silent, runDir, "127.0.0.1", 0, Duration.ofSeconds(5), dashboard.route());
        HttpResponse<byte[]> r = get("/api/dictionary.png");
        assertEquals(503, r.statusCode());
        assertTrue(new String(r.body()).contains("no weights yet"));
        assertEquals("starting", getJson("/api/status").get("state").asText());
    }
}
