package dev.sparsestream.app.web;

import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.core.io.AtomicFiles;
import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.extractStrictEntity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.protocol.ControlReply;
import dev.sparsestream.protocol.LearnerCommand;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;

/**
 * The run's HTTP server: the control API, which lets the person running a job change lambda, take a
 * snapshot, pause and resume the stream or stop gracefully without killing the process (from the
 * dashboard, {@code sparse-stream control} or curl), and, beside it, the {@link Dashboard}'s page and
 * read-only views.
 *
 * <table>
 *   <caption>Endpoints (all answers are JSON {@code {"ok": bool, "message": string}})</caption>
 *   <tr><th>request</th><th>learner message</th><th>answers</th></tr>
 *   <tr><td>{@code GET /api/health}</td><td>none</td><td>200 {@code {"ok":true}}; no token needed</td></tr>
 *   <tr><td>{@code POST /api/lambda {"lambda": x}}</td><td>SetLambda(x)</td>
 *       <td>200 accepted, 400 refused or invalid body, 401, 413, 504</td></tr>
 *   <tr><td>{@code POST /api/snapshot}</td><td>TakeSnapshot("control")</td><td>200, 400 refused, 401, 504</td></tr>
 *   <tr><td>{@code POST /api/stop}</td><td>Stop("control")</td><td>200, 400 refused, 401, 504</td></tr>
 *   <tr><td>{@code POST /api/pause}, {@code POST /api/resume}</td><td>Pause, Resume</td><td>200, 401, 504</td></tr>
 * </table>
 *
 * <p>Security: it binds to loopback by default, and every POST must carry
 * {@code Authorization: Bearer <token>}, where the token is 32 random bytes (hex) written to the
 * owner-only {@code <runDir>/control.token}: on a shared machine other users can reach the port but not
 * read the token. Requests without the right token never reach the learner. Bodies over
 * {@value #MAX_BODY_BYTES} bytes are refused (413) before they are buffered.
 *
 * <p>While it runs, {@code <runDir>/control.json} says where it listens; {@link #close()} removes it,
 * so its presence means "this run is controllable" (unless the process died without closing).
 */
public final class ControlServer implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Largest request body read; a lambda body is a few bytes, this only stops abuse. */
    public static final long MAX_BODY_BYTES = 64 * 1024;
    /** How long a request waits for the learner (a snapshot writes a model before answering). */
    public static final Duration DEFAULT_ASK_TIMEOUT = Duration.ofSeconds(30);
    /** The reason given to the learner's TakeSnapshot and Stop. */
    public static final String REASON = "control";

    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration UNBIND_DEADLINE = Duration.ofSeconds(3);

    private final ActorSystem<?> system;
    private final ActorRef<LearnerCommand> learner;
    private final Duration askTimeout;
    private final ControlToken token;
    private final Path runDir;
    private final Path infoFile;
    private final Route dashboard; // null: the control API alone
    private ServerBinding binding;
    private ControlInfo info;
    private byte[] infoBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ControlServer(ActorSystem<?> system, ActorRef<LearnerCommand> learner, Path runDir, Duration askTimeout,
                          Route dashboard) {
        this.system = system;
        this.dashboard = dashboard;
        this.learner = learner;
        this.askTimeout = askTimeout;
        this.runDir = runDir;
        this.infoFile = new RunFolder(runDir).controlInfo();
        this.token = new ControlToken(new RunFolder(runDir).controlToken());
    }

    /** Starts on {@value #DEFAULT_HOST}, any free port, with the default ask timeout. */
    public static ControlServer start(ActorSystem<?> system, ActorRef<LearnerCommand> learner, Path runDir)
            throws IOException {
        return start(system, learner, runDir, DEFAULT_HOST, 0, DEFAULT_ASK_TIMEOUT, null);
    }

    /**
     * Binds the endpoint, then writes the token file and control.json (in that order, so whoever finds
     * control.json also finds the token). Blocks until bound.
     *
     * @param system     the actor system serving HTTP and asking the learner
     * @param learner    receives SetLambda, TakeSnapshot and Stop
     * @param runDir     the run folder (created if missing)
     * @param host       interface to bind; keep the loopback default unless the port is firewalled
     * @param port       TCP port, 0 for any free one
     * @param askTimeout how long a request waits for the learner's reply before answering 504
     * @param dashboard  the dashboard's page and read-only views served beside the API, or null
     * @return the running server; close it to unbind and remove control.json
     * @throws IOException if the port cannot be bound or the files cannot be written
     */
    public static ControlServer start(ActorSystem<?> system, ActorRef<LearnerCommand> learner, Path runDir, String host,
                                      int port, Duration askTimeout, Route dashboard) throws IOException {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(learner, "learner");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (askTimeout.isNegative() || askTimeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, got " + askTimeout);
        }
        Files.createDirectories(runDir);
        ControlServer server = new ControlServer(system, learner, runDir, askTimeout, dashboard);
        server.bind(host, port);
        return server;
    }

    private void bind(String host, int port) throws IOException {
        try {
            binding = Http.get(system).newServerAt(host, port).bind(routes())
                    .toCompletableFuture().get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("cannot bind the control endpoint to " + host + ":" + port + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("binding the control endpoint to " + host + ":" + port + " took over " + BIND_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the control endpoint", e);
        }
        InetSocketAddress address = binding.localAddress();
        info = new ControlInfo(address.getAddress().getHostAddress(), address.getPort(), ProcessHandle.current().pid());
        try {
            AtomicFiles.write(token.file(), out -> out.write(token.bytes()), true);
            infoBytes = ControlInfo.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(info);
            AtomicFiles.write(infoFile, infoBytes);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** @return the base URL, e.g. {@code http://127.0.0.1:40123} */
    public String url() {
        return info.uri("").toString();
    }

    /** @return the bound port (the real one when 0 was asked) */
    public int port() {
        return info.port();
    }

    /** @return {@code <runDir>/control.token} */
    public Path tokenFile() {
        return token.file();
    }

    /** @return {@code <runDir>/control.json} */
    public Path infoFile() {
        return infoFile;
    }

    /** @return the run's token, which every control request must carry */
    public String token() {
        return token.text();
    }

    /**
     * @return lines for the console: the dashboard's address with the token in its fragment (which the
     *         browser keeps to itself: it is never sent to a server or written to its logs), the token, and
     *         how to use the API from the command line
     */
    public String describe() {
        String lines = (dashboard != null ? "dashboard   " + url() + "/#token=" + token() + "\n" : "")
                + "control API " + url() + "/api, token " + token() + " (also in " + token.file() + ")\n"
                + "            e.g. sparse-stream control lambda 0.01 --run " + runDir;
        return lines;
    }

    /**
     * Unbinds (closing open connections after a short grace period) and removes control.json and the
     * token file, if they are still the ones this server wrote. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (binding != null) {
                binding.terminate(UNBIND_DEADLINE).toCompletableFuture()
                        .get(UNBIND_DEADLINE.toMillis() + BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            system.log().warn("control endpoint did not unbind cleanly: {}", e.toString());
        } finally {
            deleteIfOurs(infoFile, infoBytes);
            deleteIfOurs(token.file(), token.bytes());
        }
    }

    /**
     * Another server may have taken over the run folder since; its files are left alone. Best effort:
     * a file that cannot be removed is reported and closing goes on.
     */
    private void deleteIfOurs(Path file, byte[] content) {
        if (content == null) {
            return;
        }
        try {
            if (Files.exists(file) && MessageDigest.isEqual(Files.readAllBytes(file), content)) {
                Files.delete(file);
            }
        } catch (IOException e) {
            system.log().warn("cannot remove {}: {}", file, e.toString());
        }
    }

    // ---------------------------------------------------------------- routes

    private Route routes() {
        Route api = pathPrefix("api", () -> concat(
                        path("health", () -> get(() -> complete(healthy()))),
                        path("lambda", () -> post(() -> authorized(() -> withBody(body -> {
                            double lambda;
                            try {
                                lambda = LambdaValue.fromJson(body);
                            } catch (IllegalArgumentException e) {
                                return complete(reply(StatusCodes.BAD_REQUEST, false, e.getMessage()));
                            }
                            return askLearner(replyTo -> new LearnerCommand.SetLambda(lambda, replyTo));
                        })))),
                        path("snapshot", () -> post(() -> authorized(() ->
                                askLearner(replyTo -> new LearnerCommand.TakeSnapshot(REASON, replyTo))))),
                        path("stop", () -> post(() -> authorized(() ->
                                askLearner(replyTo -> new LearnerCommand.Stop(REASON, replyTo))))),
                        path("pause", () -> post(() -> authorized(() ->
                                askLearner(LearnerCommand.Pause::new)))),
                        path("resume", () -> post(() -> authorized(() ->
                                askLearner(LearnerCommand.Resume::new))))));
        Route all = dashboard == null ? api : concat(api, dashboard);
        return handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () -> all));
    }

    /** Runs {@code inner} only with the right bearer token; 401 otherwise, and the learner hears nothing. */
    private Route authorized(Supplier<Route> inner) {
        return optionalHeaderValueByName("Authorization", header -> {
            Optional<String> problem = token.problem(header);
            if (problem.isEmpty()) {
                return inner.get();
            }
            return complete(reply(StatusCodes.UNAUTHORIZED, false, problem.get())
                    .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "sparse-stream"))));
        });
    }

    /**
     * The request body, at most {@link #MAX_BODY_BYTES}; a larger one is refused with 413: at once when its
     * Content-Length says so, else (chunked) as soon as more than the limit has arrived, never buffering more.
     */
    private static Route withBody(Function<byte[], Route> inner) {
        return extractRequestEntity(entity -> {
            OptionalLong declared = entity.getContentLengthOption();
            if (declared.isPresent() && declared.getAsLong() > MAX_BODY_BYTES) {
                return complete(tooLarge());
            }
            return withSizeLimit(MAX_BODY_BYTES, () -> extractStrictEntity(BODY_TIMEOUT, MAX_BODY_BYTES,
                    strict -> inner.apply(strict.getData().toArray())));
        });
    }

    /** Asks the learner and answers with its reply: 200 for Accepted, 400 for Rejected, 504 without one. */
    private Route askLearner(Function<ActorRef<ControlReply>, LearnerCommand> message) {
        return completeWithFuture(AskPattern.<LearnerCommand, ControlReply>ask(learner, message::apply, askTimeout,
                system.scheduler()).handle((answer, error) -> {
            if (error == null) {
                return answer instanceof ControlReply.Accepted
                        ? reply(StatusCodes.OK, true, answer.message())
                        : reply(StatusCodes.BAD_REQUEST, false, answer.message());
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof TimeoutException) { // Pekko's AskTimeoutException is one
                return reply(StatusCodes.GATEWAY_TIMEOUT, false, "the learner did not answer within "
                        + (askTimeout.toMillis() % 1000 == 0 ? askTimeout.toSeconds() + " s" : askTimeout.toMillis() + " ms"));
            }
            return reply(StatusCodes.INTERNAL_SERVER_ERROR, false, "asking the learner failed: " + cause);
        }));
    }

    private ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder()
                // A body without Content-Length (chunked) that grows past withSizeLimit's limit while read.
                .match(EntityStreamSizeException.class, e -> complete(tooLarge()))
                // Requests Pekko finds malformed; toStrict reports an over-long body as one (with status 400).
                .match(IllegalRequestException.class, e -> complete(e.info().summary().equals("Request too large")
                        ? tooLarge() : reply(e.status(), false, e.info().summary())))
                .matchAny(e -> complete(reply(StatusCodes.INTERNAL_SERVER_ERROR, false, "internal error: " + e)))
                .build();
    }

    /** Pekko's standard answers (404, 405, ...) with their text moved into the JSON shape of all others. */
    private static RejectionHandler rejectionHandler() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            if (response.entity() instanceof HttpEntity.Strict strict
                    && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                return response.withEntity(json(false, strict.getData().utf8String()));
            }
            return response;
        });
    }

    private static HttpResponse tooLarge() {
        return reply(StatusCodes.CONTENT_TOO_LARGE, false, "request body over " + MAX_BODY_BYTES + " bytes refused");
    }

    private static HttpResponse healthy() {
        ObjectNode body = ControlInfo.JSON.createObjectNode().put("ok", true);
        return HttpResponse.create().withStatus(StatusCodes.OK).withEntity(entity(body));
    }

    private static HttpResponse reply(StatusCode status, boolean ok, String message) {
        return HttpResponse.create().withStatus(status).withEntity(json(ok, message));
    }

    private static HttpEntity.Strict json(boolean ok, String message) {
        return entity(ControlInfo.JSON.createObjectNode().put("ok", ok).put("message", message));
    }

    private static HttpEntity.Strict entity(ObjectNode body) {
        try {
            return HttpEntities.create(ContentTypes.APPLICATION_JSON, ControlInfo.JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + body, e); // a tree of strings and booleans always serialises
        }
    }
}
