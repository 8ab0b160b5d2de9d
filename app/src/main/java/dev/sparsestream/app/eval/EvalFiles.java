package dev.sparsestream.app.eval;

import dev.sparsestream.core.BuildInfo;
import dev.sparsestream.actors.RunFolder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.io.AtomicFiles;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where evaluation results go and how: every file is written atomically; JSON results carry their provenance
 * (the command, the model folder and its full configuration, the data, the version).
 */
public final class EvalFiles {
    private EvalFiles() {
    }

    /** A saved model's folder: DIR itself, or DIR/model when DIR is a run folder of 'train' or 'sweep'. */
    static Path modelDir(Path dir) {
        Path inRun = new RunFolder(dir).model();
        return !Files.exists(dir.resolve(ModelStore.MODEL_JSON)) && Files.exists(inRun.resolve(ModelStore.MODEL_JSON))
                ? inRun : dir;
    }

    /**
     * The default folder for a model's evaluations: RUN/eval for a run's RUN/model, else a sibling MODEL-eval (a model
     * folder holds only its own files).
     */
    static Path defaultOut(Path modelDir) {
        Path abs = modelDir.toAbsolutePath().normalize();
        if (abs.getFileName() != null && abs.getFileName().toString().equals(RunFolder.MODEL) && abs.getParent() != null) {
            return new RunFolder(abs.getParent()).eval();
        }
        return abs.resolveSibling(abs.getFileName() + "-eval");
    }

    /** The run folder a model folder belongs to (RUN for RUN/model), or null. */
    static Path runOf(Path modelDir) {
        Path abs = modelDir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        return parent != null && new RunFolder(parent).isRun() ? parent : null;
    }

    /** A JSON object that starts with the provenance of a result. */
    static ObjectNode provenance(String command, Path modelDir, SparseAutoencoder model, Path data) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("command", command);
        root.put("version", BuildInfo.VERSION);
        if (modelDir != null) {
            root.put("modelDir", modelDir.toString());
            root.put("model", model.config().model().label());
            root.put("lambda", model.config().lambda());
            root.put("dataset", model.config().dataset());
            root.set("config", Json.mapper().valueToTree(model.config()));
        }
        if (data != null) {
            root.put("data", data.toString());
        }
        return root;
    }

    static void json(Path file, Object value) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
    }

    static void png(Path file, byte[] png) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, png);
    }

    /** A CSV file of a header and rows; numbers as Java prints them, text quoted where it needs to be. */
    static void csv(Path file, List<String> header, List<List<Object>> rows) throws IOException {
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (List<Object> r : rows) {
            if (r.size() != header.size()) {
                throw new IllegalArgumentException("CSV row of " + r.size() + " values for " + header.size() + " columns");
            }
            sb.append(r.stream().map(EvalFiles::cell).collect(Collectors.joining(","))).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        String s = v.toString();
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    /** sigma and lambda values in file names: 1.0 -> "1.0", 0.005 -> "0.005" (no exponent). */
    static String number(double v) {
        return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString()
                + (v == Math.rint(v) ? ".0" : "");
    }

    /** "VDL lambda 0.02" for charts and tables. */
    static String label(ModelConfig c) {
        return c.model().label() + " \u03bb " + number(c.lambda());
    }
}
