package dev.sparsestream.app.web;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResourceDirectory;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sparsestream.protocol.LearnerCommand;
import dev.sparsestream.protocol.LearnerStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The dashboard's half of the run's HTTP endpoint: the page, its scripts and the read-only views (no
 * token needed; the controls are {@link ControlServer}'s).
 *
 * <table>
 *   <caption>Read-only endpoints</caption>
 *   <tr><td>{@code GET /}</td><td>the dashboard page</td></tr>
 *   <tr><td>{@code GET /static/...}</td><td>its script, style sheet and the vendored uPlot</td></tr>
 *   <tr><td>{@code GET /api/status}</td><td>the run's state ({@link DashboardFeed#status()})</td></tr>
 *   <tr><td>{@code GET /api/metrics}</td><td>the whole history: batches (column arrays), epochs, lambda
 *       changes, status</td></tr>
 *   <tr><td>{@code GET /api/events}</td><td>server-sent events: {@code update} (rows added since the last
 *       one, first the whole history) every {@value #TICK_MS} ms while something changes, {@code end}
 *       when the run ends</td></tr>
 *   <tr><td>{@code GET /api/dictionary.png}</td><td>the decoder's atoms for the current weights</td></tr>
 *   <tr><td>{@code GET /api/reconstructions.png}</td><td>validation inputs above their reconstructions</td></tr>
 * </table>
 *
 * <p>The learner's status is polled once a second whether or not anyone watches (one small message);
 * pictures are rendered only when asked for, on a thread of the dashboard's own, at most once per weight
 * version, so an unwatched dashboard costs the learner next to nothing.
 */
public final class Dashboard implements AutoCloseable {
    static final long TICK_MS = 500;
    static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final ActorSystem<?> system;
    private final ActorRef<LearnerCommand> learner;
    private final DashboardFeed feed;
    private final DashboardImages images;
    private final ExecutorService renderer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dashboard-render");
        t.setDaemon(true);
        return t;
    });
    private final Cancellable poller;
    private final AtomicInteger clients = new AtomicInteger();

    private Dashboard(ActorSystem<?> system, ActorRef<LearnerCommand> learner, DashboardFeed feed,
                      DashboardImages images) {
        this.system = system;
        this.learner = learner;
        this.feed = feed;
        this.images = images;
        this.poller = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, POLL, this::poll,
                system.executionContext());
    }

    /** Starts polling the learner; {@link #route()} serves the views. */
    public static Dashboard start(ActorSystem<?> system, ActorRef<LearnerCommand> learner, DashboardFeed feed,
                                  DashboardImages images) {
        return new Dashboard(system, learner, feed, images);
    }

    public DashboardFeed feed() {
        return feed;
    }

    /** @return how many clients follow the event stream now */
    public int clients() {
        return clients.get();
    }

    /**
     * After the run has ended: waits (at most {@code limit}) until every client following the event stream
     * has been sent the end, so that open pages show how the run ended before the server goes.
     */
    public void awaitClientsTold(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (clients.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(TICK_MS / 5);
        }
    }

    private void poll() {
        if (feed.hasEnded()) {
            return;
        }
        AskPattern.<LearnerCommand, LearnerStatus>ask(learner, LearnerCommand.GetStatus::new, POLL.multipliedBy(2),
                system.scheduler()).whenComplete((status, failure) -> {
            if (status != null) {
                feed.learnerStatus(status);
            } // no answer: the learner has stopped, and the run's end is reported by its owner
        });
    }

    @Override
    public void close() {
        poller.cancel();
        renderer.shutdownNow();
    }

    // ------------------------------------------------------------------ routes

    /** The page and the read-only views. */
    public Route route() {
        List<HttpHeader> pageHeaders = List.of(
                RawHeader.create("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                        + "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
                RawHeader.create("X-Content-Type-Options", "nosniff"),
                CacheControl.create(CacheDirectives.NO_CACHE));
        return respondWithHeaders(pageHeaders, () -> concat(
                pathEndOrSingleSlash(() -> get(() -> getFromResource("dashboard/index.html", ContentTypes.TEXT_HTML_UTF8))),
                pathPrefix("static", () -> get(() -> getFromResourceDirectory("dashboard"))),
                pathPrefix("api", () -> concat(
                        path("status", () -> get(() -> complete(json(feed.status())))),
                        path("metrics", () -> get(() -> complete(json(feed.history().json())))),
                        path("events", () -> get(() -> completeOK(events(), EventStreamMarshalling.toEventStream()))),
                        path("dictionary.png", () -> get(() -> picture(DashboardImages.Rendered::dictionary))),
                        path("reconstructions.png", () -> get(() -> picture(DashboardImages.Rendered::reconstructions))))
                )));
    }

    /**
     * One client's event stream: every tick, the rows it does not have yet (all of them first), when the
     * feed changed; an {@code end} event and the end of the stream when the run has ended.
     */
    Source<ServerSentEvent, NotUsed> events() {
        var reader = new Object() {
            DashboardFeed.Cursor cursor = DashboardFeed.Cursor.START;
            long seen = -1;
            boolean done;

            List<ServerSentEvent> next() {
                if (done) {
                    return List.of();
                }
                boolean ended = feed.hasEnded(); // read first: the update below then includes the last rows
                long version = feed.version();
                if (version == seen && !ended) {
                    return List.of();
                }
                seen = version;
                DashboardFeed.Update u = feed.updateSince(cursor);
                cursor = u.next();
                ServerSentEvent update = ServerSentEvent.create(text(u.json()), "update");
                if (!ended) {
                    return List.of(update);
                }
                done = true;
                return List.of(update, ServerSentEvent.create(text(feed.status()), "end"));
            }
        };
        return Source.tick(Duration.ZERO, Duration.ofMillis(TICK_MS), "tick")
                .mapConcat(t -> reader.next())
                .takeWhile(e -> !"end".equals(e.getEventType().orElse("")), true)
                .keepAlive(HEARTBEAT, ServerSentEvent::heartbeat)
                .watchTermination((notUsed, done) -> {
                    clients.incrementAndGet();
                    done.whenComplete((d, e) -> clients.decrementAndGet());
                    return NotUsed.getInstance();
                });
    }

    private Route picture(Function<DashboardImages.Rendered, byte[]> which) {
        LearnerStatus status = feed.learnerStatus();
        if (status == null) {
            return complete(HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE)
                    .withEntity(ContentTypes.APPLICATION_JSON,
                            "{\"ok\":false,\"message\":\"no weights yet: the learner has not answered\"}"));
        }
        CompletableFuture<HttpResponse> png = CompletableFuture.supplyAsync(() -> {
            DashboardImages.Rendered r = images.render(status.weights());
            return HttpResponse.create()
                    .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.IMAGE_PNG), which.apply(r)))
                    .addHeader(RawHeader.create("X-Weights-Version", Long.toString(r.version())));
        }, renderer).exceptionally(e -> {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            system.log().warn("the dashboard could not render the weights: {}", cause.toString());
            return HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR).withEntity(HttpEntities.create(
                    ContentTypes.APPLICATION_JSON, text(ControlInfo.JSON.createObjectNode().put("ok", false)
                            .put("message", "rendering failed: " + cause))));
        });
        return completeWithFuture(png);
    }

    private static HttpResponse json(JsonNode body) {
        return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, text(body)));
    }

    private static String text(JsonNode body) {
        try {
            return ControlInfo.JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e); // a tree of plain values always serialises
        }
    }
}
