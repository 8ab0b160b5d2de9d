package dev.sparsestream.core.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * NumPy (Debian's python3-numpy, installed by the test command) as an independent reader and writer of
 * .npy files: the format's promise is that numpy.load and numpy.save interoperate with ours.
 */
public final class Numpy {
    private Numpy() {
    }

    /**
     * Runs a Python snippet with numpy imported as np and {@code path} bound to the given file; returns
     * what it printed, trimmed. Fails the test with Python's error when the snippet fails.
     */
    public static String run(Path path, String snippet) throws IOException {
        String script = "import numpy as np, sys\npath = sys.argv[1]\n" + snippet;
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, path.toString()).redirectErrorStream(true).start();
        // Read before waiting: a large answer would otherwise fill the pipe and stall both sides.
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("python3 did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("numpy snippet failed (is python3-numpy installed? ./run-tests installs it):\n" + out);
        }
        return out;
    }
}
