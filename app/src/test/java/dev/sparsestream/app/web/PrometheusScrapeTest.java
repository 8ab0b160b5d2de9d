package dev.sparsestream.app.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.app.train.CommandLineTest;
import dev.sparsestream.core.data.MnistFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Prometheus server (installed by the test command) scrapes a running learner's {@code GET /metrics}, and
 * a metric is read back through Prometheus's own HTTP API: the exposition is one Prometheus accepts, not only text
 * that looks like it.
 */
class PrometheusScrapeTest {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> fetch(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void prometheusScrapesARunningLearnerAndAnswersWithItsBatchCount() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS), "Debian's prometheus is not installed (./run-tests installs it)");
        Path data = CommandLineTest.mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        Path runDir = tmp.resolve("run");
        CommandLineTest.LiveRun live = CommandLineTest.LiveRun.start(data, runDir);
        Process prometheus = null;
        try {
            long deadline = System.nanoTime() + 90_000_000_000L;
            String target = ControlInfo.read(runDir).uri("/metrics").getAuthority();

            HttpResponse<String> direct = fetch("http://" + target + "/metrics");
            assertEquals(200, direct.statusCode());
            assertTrue(direct.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    direct.headers().toString());
            assertTrue(direct.body().contains("# TYPE sparse_stream_batches_applied_total counter"), direct.body());

            int port = freePort();
            Path config = Files.writeString(tmp.resolve("prometheus.yml"), String.join("\n",
                    "global:", "  scrape_interval: 1s",
                    "scrape_configs:", "  - job_name: sparse-stream", "    metrics_path: /metrics",
                    "    static_configs:", "      - targets: ['" + target + "']", ""));
            prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            String query = "http://127.0.0.1:" + port + "/api/v1/query?query="
                    + URLEncoder.encode("sparse_stream_batches_applied_total{job=\"sparse-stream\"}", StandardCharsets.UTF_8);
            double batches = 0;
            while (batches == 0 && System.nanoTime() < deadline) {
                Thread.sleep(200); // polling another process's HTTP API
                try {
                    JsonNode answer = new ObjectMapper().readTree(fetch(query).body());
                    JsonNode result = answer.path("data").path("result");
                    if (result.size() == 1) {
                        batches = Double.parseDouble(result.get(0).get("value").get(1).asText());
                    }
                } catch (IOException notUpYet) {
                    // the server is still starting
                }
            }
            assertTrue(batches > 0, "Prometheus read the learner's batch count; its log: "
                    + Files.readString(tmp.resolve("prometheus.log")));
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                prometheus.waitFor(10, TimeUnit.SECONDS);
            }
            CommandLineTest.run("control", "stop", "--run", runDir.toString());
            live.job().get(60, TimeUnit.SECONDS);
        }
    }
}
