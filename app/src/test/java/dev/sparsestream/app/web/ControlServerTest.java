package dev.sparsestream.app.web;

import dev.sparsestream.app.Main;
import dev.sparsestream.actors.RunFolder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerCommand;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The control endpoint over real HTTP, with a test probe standing in for the learner (the test replies
 * to what the probe receives), and {@code control} end to end against it.
 */
public class ControlServerTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long "the learner heard nothing" is watched for. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path runDir;

    private TestProbe<LearnerCommand> learner;
    private ControlServer server;
    private String token;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void startServer() throws Exception {
        learner = KIT.createTestProbe(LearnerCommand.class);
        server = ControlServer.start(KIT.system(), learner.ref(), runDir);
        token = Files.readString(server.tokenFile());
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    // ------------------------------------------------------------ helpers

    private CompletableFuture<HttpResponse<String>> send(String method, String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> post(String path, String body) {
        return send("POST", path, body, "Bearer " + token);
    }

    private static HttpResponse<String> await(CompletableFuture<HttpResponse<String>> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    /** Status, and the body's ok and message fields (which every answer carries). */
    private static JsonNode assertAnswer(HttpResponse<String> r, int status, boolean ok) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(ok, body.get("ok").asBoolean(), r.body());
        return body;
    }

    private static String message(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("message").asText();
    }

    // ------------------------------------------------------------ the endpoints

    @Test
    void healthNeedsNoToken() throws Exception {
        HttpResponse<String> r = await(send("GET", "/api/health", null, null));
        assertAnswer(r, 200, true);
        assertEquals("{\"ok\":true}", r.body());
    }

    @Test
    void lambdaAcceptedByTheLearner() throws Exception {
        CompletableFuture<HttpResponse<String>> f = post("/api/lambda", "{\"lambda\": 0.01}");
        LearnerCommand.SetLambda m = learner.expectMessageClass(LearnerCommand.SetLambda.class);
        assertEquals(0.01, m.lambda());
        m.replyTo().tell(new ControlReply.Accepted("lambda 0.01 from batch 120"));
        HttpResponse<String> r = await(f);
        assertAnswer(r, 200, true);
        assertEquals("lambda 0.01 from batch 120", message(r));
    }

    @Test
    void lambdaZeroAndIntegersAreNumbers() throws Exception {
        for (String body : List.of("{\"lambda\": 0}", "{\"lambda\": 2}", "{\"lambda\": -0.0}", "{\"lambda\":1e-3}")) {
            CompletableFuture<HttpResponse<String>> f = post("/api/lambda", body);
            LearnerCommand.SetLambda m = learner.expectMessageClass(LearnerCommand.SetLambda.class);
            assertEquals(JSON.readTree(body).get("lambda").asDouble() + 0.0, m.lambda(), body); // -0.0 arrives as 0.0
            assertEquals(0, Double.compare(Math.abs(m.lambda()), m.lambda()), "no negative zero: " + body);
            m.replyTo().tell(new ControlReply.Accepted("ok"));
            assertAnswer(await(f), 200, true);
        }
    }

    @Test
    void lambdaRejectedByTheLearnerIs400WithItsMessage() throws Exception {
        CompletableFuture<HttpResponse<String>> f = post("/api/lambda", "{\"lambda\": 5}");
        learner.expectMessageClass(LearnerCommand.SetLambda.class).replyTo()
                .tell(new ControlReply.Rejected("the run is stopping"));
        HttpResponse<String> r = await(f);
        assertAnswer(r, 400, false);
        assertEquals("the run is stopping", message(r));
    }

    @Test
    void snapshot() throws Exception {
        CompletableFuture<HttpResponse<String>> f = post("/api/snapshot", null);
        LearnerCommand.TakeSnapshot m = learner.expectMessageClass(LearnerCommand.TakeSnapshot.class);
        assertEquals("control", m.reason());
        m.replyTo().tell(new ControlReply.Accepted("snapshot runs/x/snapshots/000120"));
        HttpResponse<String> r = await(f);
        assertAnswer(r, 200, true);
        assertEquals("snapshot runs/x/snapshots/000120", message(r));

        // Each request asks again (the route is not evaluated once at start).
        CompletableFuture<HttpResponse<String>> again = post("/api/snapshot", null);
        learner.expectMessageClass(LearnerCommand.TakeSnapshot.class).replyTo()
                .tell(new ControlReply.Rejected("a snapshot is being written"));
        assertAnswer(await(again), 400, false);
    }

    @Test
    void stopAskedByTheRun() throws Exception {
        CompletableFuture<HttpResponse<String>> f = post("/api/stop", null);
        LearnerCommand.Stop m = learner.expectMessageClass(LearnerCommand.Stop.class);
        assertEquals("control", m.reason());
        m.replyTo().tell(new ControlReply.Accepted("stopping after 3 batches in flight"));
        HttpResponse<String> r = await(f);
        assertAnswer(r, 200, true);
        assertEquals("stopping after 3 batches in flight", message(r));
    }

    @Test
    void pauseAndResumeAskTheLearner() throws Exception {
        CompletableFuture<HttpResponse<String>> f = post("/api/pause", null);
        learner.expectMessageClass(LearnerCommand.Pause.class).replyTo().tell(new ControlReply.Accepted("paused"));
        assertEquals("paused", message(assertOk(await(f))));
        f = post("/api/resume", null);
        learner.expectMessageClass(LearnerCommand.Resume.class).replyTo().tell(new ControlReply.Accepted("resumed"));
        assertEquals("resumed", message(assertOk(await(f))));
        // Both change the run: GET is not allowed.
        assertAnswer(await(send("GET", "/api/pause", null, "Bearer " + token)), 405, false);
        learner.expectNoMessage(QUIET);
    }

    private static HttpResponse<String> assertOk(HttpResponse<String> r) throws Exception {
        assertAnswer(r, 200, true);
        return r;
    }

    @Test
    void silentLearnerGives504() throws Exception {
        server.close();
        server = ControlServer.start(KIT.system(), learner.ref(), runDir, "127.0.0.1", 0, Duration.ofMillis(200), null);
        token = Files.readString(server.tokenFile());
        CompletableFuture<HttpResponse<String>> f = post("/api/stop", null);
        learner.expectMessageClass(LearnerCommand.Stop.class); // and never answered
        HttpResponse<String> r = await(f);
        assertAnswer(r, 504, false);
        assertEquals("the learner did not answer within 200 ms", message(r));
    }

    @Test
    void missingOrWrongTokenIs401AndTheLearnerHearsNothing() throws Exception {
        String other = "0".repeat(64);
        Map<String, String> auth = new LinkedHashMap<>();
        auth.put("missing", null);
        auth.put("wrong token", "Bearer " + other);
        auth.put("token with a suffix", "Bearer " + token + "0");
        auth.put("token prefix", "Bearer " + token.substring(0, 32));
        auth.put("empty bearer", "Bearer ");
        auth.put("other scheme", "Basic " + token);
        auth.put("bare token", token);
        for (String path : List.of("/api/lambda", "/api/snapshot", "/api/stop", "/api/pause", "/api/resume")) {
            for (Map.Entry<String, String> a : auth.entrySet()) {
                HttpResponse<String> r = await(send("POST", path, "{\"lambda\": 0.01}", a.getValue()));
                String what = path + ", " + a.getKey();
                assertEquals(401, r.statusCode(), what + ": " + r.body());
                assertEquals("Bearer realm=\"sparse-stream\"", r.headers().firstValue("WWW-Authenticate").orElse(""), what);
                assertFalse(message(r).contains(token), "the answer must not reveal the token");
            }
        }
        assertTrue(message(await(send("POST", "/api/stop", null, null))).contains("missing header"));
        assertTrue(message(await(send("POST", "/api/stop", null, "Bearer " + other))).contains("wrong token"));
        learner.expectNoMessage(QUIET);
    }

    @Test
    void invalidLambdaBodiesAre400WithTheReason() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"lambda\": NaN}", "must be a finite number, got NaN");
        cases.put("{\"lambda\": Infinity}", "must be a finite number, got Infinity");
        cases.put("{\"lambda\": 1e400}", "must be a finite number");
        cases.put("{\"lambda\": -0.5}", "must be >= 0, got -0.5");
        cases.put("{\"lambda\": \"0.01\"}", "\"lambda\" must be a JSON number, got a string \"0.01\"");
        cases.put("{\"lambda\": true}", "must be a JSON number, got a boolean");
        cases.put("{\"lambda\": null}", "must be a JSON number, got null");
        cases.put("{\"lambda\": [0.01]}", "must be a JSON number, got an array");
        cases.put("{}", "missing field \"lambda\"");
        cases.put("{\"lamda\": 0.01}", "unknown field \"lamda\"");
        cases.put("{\"lambda\": 0.01, \"extra\": 1}", "unknown field \"extra\"");
        cases.put("[0.01]", "must be a JSON object, got an array");
        cases.put("0.01", "must be a JSON object, got a number");
        cases.put("", "empty body");
        cases.put("{\"lambda\": 0.01", "malformed JSON");
        cases.put("{lambda: 0.01}", "malformed JSON");
        cases.put("{\"lambda\": 0.01} {}", "malformed JSON");
        cases.put("{\"lambda\": 0.1, \"lambda\": -1}", "malformed JSON: Duplicate field 'lambda'");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = await(post("/api/lambda", c.getKey()));
            assertAnswer(r, 400, false);
            assertTrue(message(r).contains(c.getValue()),
                    "body " + c.getKey() + ": message '" + message(r) + "' lacks '" + c.getValue() + "'");
        }
        learner.expectNoMessage(QUIET);
    }

    @Test
    void bodiesOver64KiBAre413() throws Exception {
        String lambda = "{\"lambda\": 0.01}";
        int limit = (int) ControlServer.MAX_BODY_BYTES;
        // Valid JSON padded with spaces: only its size can be the reason for a refusal.
        String atLimit = lambda + " ".repeat(limit - lambda.length());
        String overLimit = atLimit + " ";
        String wayOver = lambda + " ".repeat(4 * limit);

        HttpResponse<String> r = await(post("/api/lambda", overLimit));
        assertAnswer(r, 413, false);
        assertTrue(message(r).contains("over 65536 bytes"), r.body());
        assertEquals(413, await(post("/api/lambda", wayOver)).statusCode());
        // Without Content-Length (chunked): refused once the limit is passed while reading.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(server.url() + "/api/lambda"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(overLimit.getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<String> c = http.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertAnswer(c, 413, false);
        learner.expectNoMessage(QUIET);

        CompletableFuture<HttpResponse<String>> f = post("/api/lambda", atLimit);
        learner.expectMessageClass(LearnerCommand.SetLambda.class).replyTo().tell(new ControlReply.Accepted("ok"));
        assertAnswer(await(f), 200, true);
    }

    @Test
    void unknownPathsAndWrongMethodsAnswerInJson() throws Exception {
        assertAnswer(await(send("GET", "/api/nothing", null, null)), 404, false);
        assertAnswer(await(send("GET", "/api/lambda", null, "Bearer " + token)), 405, false);
        assertAnswer(await(send("POST", "/api/health", null, "Bearer " + token)), 405, false);
        learner.expectNoMessage(QUIET);
    }

    // ------------------------------------------------------------ the files

    @Test
    void tokenFileIsOwnerOnlyAndHoldsA32ByteHexToken() throws Exception {
        assertTrue(token.matches("[0-9a-f]{64}"), token);
        assumeTrue(Files.getFileStore(runDir).supportsFileAttributeView(PosixFileAttributeView.class), "no POSIX permissions here");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(server.tokenFile()));

        Path other = runDir.resolve("other");
        try (ControlServer second = ControlServer.start(KIT.system(), learner.ref(), other)) {
            assertNotEquals(token, Files.readString(second.tokenFile()), "tokens must be random per start");
        }
    }

    @Test
    void controlJsonIsWrittenAndRemovedOnClose() throws Exception {
        Path info = runDir.resolve("control.json");
        JsonNode json = JSON.readTree(info.toFile());
        assertEquals("127.0.0.1", json.get("host").asText());
        assertEquals(server.port(), json.get("port").asInt());
        assertTrue(server.port() > 0);
        assertEquals(ProcessHandle.current().pid(), json.get("pid").asLong());
        assertEquals(server.url(), "http://127.0.0.1:" + server.port());
        assertTrue(server.describe().contains(server.url()) && server.describe().contains(server.tokenFile().toString()));
        try (Stream<Path> files = Files.list(runDir)) {
            assertEquals(Set.of("control.json", "control.token"),
                    Set.copyOf(files.map(p -> p.getFileName().toString()).toList()), "no temporary files left");
        }

        server.close();
        assertFalse(Files.exists(info), "control.json removed");
        assertFalse(Files.exists(server.tokenFile()), "control.token removed");
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(send("GET", "/api/health", null, null)));
        assertTrue(e.getCause() instanceof ConnectException, e.toString());
        server.close(); // idempotent
    }

    @Test
    void closeLeavesAnotherServersFilesAlone() throws Exception {
        ControlServer successor = ControlServer.start(KIT.system(), learner.ref(), runDir);
        try {
            server.close();
            assertTrue(Files.exists(successor.infoFile()));
            assertEquals(successor.port(), JSON.readTree(successor.infoFile().toFile()).get("port").asInt());
            assertTrue(Files.exists(successor.tokenFile()));
        } finally {
            successor.close();
        }
        assertFalse(Files.exists(successor.infoFile()));
    }

    // ------------------------------------------------------------ the control command

    record Cli(int code, String out, String err) {
    }

    private static Cli cli(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    /** Runs the command while the test, as the learner, answers. */
    private static CompletableFuture<Cli> cliAsync(String... args) {
        return CompletableFuture.supplyAsync(() -> cli(args));
    }

    @Test
    void controlLambdaAccepted() throws Exception {
        CompletableFuture<Cli> f = cliAsync("control", "lambda", "0.02", "--run", runDir.toString());
        LearnerCommand.SetLambda m = learner.expectMessageClass(LearnerCommand.SetLambda.class);
        assertEquals(0.02, m.lambda());
        m.replyTo().tell(new ControlReply.Accepted("lambda 0.02 from batch 7"));
        Cli r = f.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        assertEquals("lambda 0.02 from batch 7", r.out().strip());
    }

    @Test
    void controlLambdaRefusedExits1() throws Exception {
        CompletableFuture<Cli> f = cliAsync("control", "lambda", "3", "--run", runDir.toString());
        learner.expectMessageClass(LearnerCommand.SetLambda.class).replyTo()
                .tell(new ControlReply.Rejected("the run is stopping"));
        Cli r = f.get(30, TimeUnit.SECONDS);
        assertEquals(1, r.code(), r.out());
        assertEquals("refused: the run is stopping", r.err().strip());
    }

    @Test
    void controlSnapshotAndStop() throws Exception {
        CompletableFuture<Cli> f = cliAsync("control", "snapshot", "--run", runDir.toString());
        learner.expectMessageClass(LearnerCommand.TakeSnapshot.class).replyTo()
                .tell(new ControlReply.Accepted("snapshot in runs/x/snapshots/7"));
        Cli r = f.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        assertEquals("snapshot in runs/x/snapshots/7", r.out().strip());

        f = cliAsync("control", "stop", "--run", runDir.toString(), "--wait", "0");
        learner.expectMessageClass(LearnerCommand.Stop.class).replyTo().tell(new ControlReply.Accepted("stopping"));
        r = f.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        assertEquals("stopping", r.out().strip());
    }

    @Test
    void controlStopWaitsUntilTheJobHasEnded() throws Exception {
        CompletableFuture<Cli> f = cliAsync("control", "stop", "--run", runDir.toString());
        learner.expectMessageClass(LearnerCommand.Stop.class).replyTo().tell(new ControlReply.Accepted("stopping"));
        assertFalse(f.isDone() && f.get().code() != 0, "still waiting for the job to end");
        // The job's end, as the command sees it: control.json goes (the server stays, so the answer is not cut off).
        Files.delete(new RunFolder(runDir).controlInfo());
        Cli r = f.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("stopping") && r.out().contains("has stopped"), r.out());
    }

    @Test
    void controlLambdaValidatesLocally() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("abc", "lambda 'abc' is not a number");
        cases.put("0,01", "is not a number");
        cases.put("1d", "is not a number");
        cases.put("-0.1", "lambda must be >= 0, got -0.1");
        cases.put("NaN", "lambda must be a finite number, got NaN");
        cases.put("inf", "lambda must be a finite number, got Infinity");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Cli r = cli("control", "lambda", c.getKey(), "--run", runDir.toString());
            assertEquals(2, r.code(), c.getKey() + ": " + r.err());
            assertTrue(r.err().contains(c.getValue()), c.getKey() + ": " + r.err());
        }
        learner.expectNoMessage(QUIET);
    }

    @Test
    void controlDefaultsToTrainsDefaultRunFolder() {
        // No job runs in runs/latest here (the module's folder): the default is named in the error.
        Cli r = cli("control", "stop");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("runs/latest") && r.err().contains("not running"), r.err());
        Cli none = cli("control");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("Missing subcommand"), none.err());
    }

    @Test
    void controlWhenNoServerRunsExits2() throws Exception {
        Path never = runDir.resolve("never-started");
        Files.createDirectories(never);
        Cli r = cli("control", "lambda", "0.01", "--run", never.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not running: no " + never.resolve("control.json")), r.err());

        // A job that died without closing: its control.json names a port nobody listens on any more.
        int freePort;
        try (ServerSocket s = new ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        Path dead = runDir.resolve("dead");
        Files.createDirectories(dead);
        Files.writeString(dead.resolve("control.json"), "{\"host\":\"127.0.0.1\",\"port\":" + freePort + ",\"pid\":1}");
        Files.writeString(dead.resolve("control.token"), token);
        r = cli("control", "stop", "--run", dead.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not running: nothing answers at http://127.0.0.1:" + freePort), r.err());

        // And the run this test started, once closed.
        server.close();
        r = cli("control", "snapshot", "--run", runDir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not running"), r.err());
        learner.expectNoMessage(QUIET);
    }

    @Test
    void controlWithAWrongTokenExits2() throws Exception {
        Files.writeString(server.tokenFile(), "f".repeat(64));
        Cli r = cli("control", "lambda", "0.01", "--run", runDir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("the job refused the token in " + server.tokenFile()), r.err());
        learner.expectNoMessage(QUIET);
    }
}
