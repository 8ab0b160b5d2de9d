package dev.sparsestream.app.web;

import dev.sparsestream.actors.RunFolder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a running learner's control endpoint listens: the content of {@code <runDir>/control.json},
 * written by {@link ControlServer} and read by {@code control}. The token lives in a separate,
 * owner-only file ({@link RunFolder#controlToken()}) so that this one can stay readable.
 *
 * @param host the address the server is bound to (an IP literal)
 * @param port its TCP port
 * @param pid  the learner's process id, to tell which process a stale file came from
 */
public record ControlInfo(String host, int port, long pid) {
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * @param runDir the run folder
     * @return its control.json
     * @throws IOException if the file is missing or not valid
     */
    public static ControlInfo read(Path runDir) throws IOException {
        Path file = new RunFolder(runDir).controlInfo();
        ControlInfo info = JSON.readValue(Files.readAllBytes(file), ControlInfo.class);
        if (info.host() == null || info.port() < 1 || info.port() > 65535) {
            throw new IOException(file + " is not a control file (host " + info.host() + ", port " + info.port() + ")");
        }
        return info;
    }

    /**
     * @param path an absolute request path such as {@code /api/stop}
     * @return the URL of {@code path} on this server; a wildcard bind address is reached over loopback
     */
    URI uri(String path) {
        String h = host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0") ? "127.0.0.1" : host;
        try {
            // The multi-argument constructor adds the brackets an IPv6 literal needs.
            return new URI("http", null, h, port, path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid control address " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }
}
