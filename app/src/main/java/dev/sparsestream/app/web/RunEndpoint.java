package dev.sparsestream.app.web;

import static org.apache.pekko.http.javadsl.server.Directives.concat;

import dev.sparsestream.actors.StreamingTrainer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/** A run's dashboard and control API on one HTTP server, for as long as the run lasts. */
public record RunEndpoint(Dashboard dashboard, ControlServer server) implements AutoCloseable {
    static final int DEFAULT_HTTP_PORT = 8080;

    /** Where the dashboard and control API listen; a null port: 8080, or any free port if it is taken. */
    public record Address(String host, Integer port) {
    }

    /** @param metrics served as {@code GET /metrics} (Prometheus) beside the dashboard */
    public static RunEndpoint start(StreamingTrainer run, DashboardFeed feed, DashboardImages images, RunMetrics metrics,
                                    Path runDir, String host, int port) throws Exception {
        Dashboard dashboard = Dashboard.start(run.system(), run.learner(), feed, images);
        try {
            ControlServer server = ControlServer.start(run.system(), run.learner(), runDir, host, port,
                    ControlServer.DEFAULT_ASK_TIMEOUT, concat(dashboard.route(), metrics.route()));
            System.out.println(server.describe());
            return new RunEndpoint(dashboard, server);
        } catch (Exception | Error e) {
            dashboard.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            dashboard.close();
        }
    }

    /**
     * The port to listen on, checked before the run starts, so that a taken port is an error before any
     * training, not after: an explicit port must be free; the default 8080 gives way to any free port (0).
     */
    public static int port(Address e) {
        int wanted = e.port() != null ? e.port() : DEFAULT_HTTP_PORT;
        if (wanted < 0 || wanted > 65535) {
            throw new IllegalArgumentException("--http-port must be 0..65535, got " + wanted);
        }
        if (wanted == 0) {
            return 0;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(e.host()), wanted));
            return wanted;
        } catch (IOException ex) {
            if (e.port() != null) {
                throw new IllegalArgumentException("cannot listen on " + e.host() + ":" + wanted + " (" + ex.getMessage()
                        + "); choose another --http-port, or 0 for any free port");
            }
            System.out.println("port " + wanted + " is taken; the control endpoint uses a free port instead");
            return 0;
        }
    }
}
