package dev.sparsestream.actors;

import dev.sparsestream.core.io.AtomicFiles;
import dev.sparsestream.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What data the run trains on, kept in the run folder so that --resume streams the same batches, and
 * how the run last ended (running while it runs; stopped, completed or failed with the message).
 *
 * @param data         the patch file or vectors path (null for MNIST)
 * @param valFraction  vectors: the held-out fractions (null: the defaults)
 * @param trainRows    training samples per epoch (checked on resume; null in files of older runs)
 */
public record RunData(String dataset, Integer trainSamples, String status, String message, String data,
                      Double valFraction, Double testFraction, Integer trainRows) {
    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    public static void write(Path file, RunData d) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(d));
    }

    /** The same run, now with this status and message. */
    public RunData with(String status, String message) {
        return new RunData(dataset, trainSamples, status, message, data, valFraction, testFraction, trainRows);
    }

    public static RunData read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file + " (written by train when the run started)");
        }
        return Json.mapper().readValue(file.toFile(), RunData.class);
    }
}
