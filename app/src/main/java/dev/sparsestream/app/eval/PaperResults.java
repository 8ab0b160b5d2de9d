package dev.sparsestream.app.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparsestream.core.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The paper's published numbers (docs/method.md), for comparison in charts and reports. */
public final class PaperResults {
    private static final JsonNode ROOT = load();

    private PaperResults() {
    }

    private static JsonNode load() {
        try (InputStream in = PaperResults.class.getResourceAsStream("paper-results.json")) {
            if (in == null) {
                throw new IllegalStateException("paper-results.json is missing from the jar");
            }
            return Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Recon(String dataset, String model, double lambda, double psnr, double sparsity, String where) {
    }

    record Denoise(String dataset, String model, double lambda, double sigma, double noisyInputPsnr, double denoisedPsnr,
                   double noisySparsity) {
    }

    static List<Recon> reconstruction(String dataset) {
        List<Recon> out = new ArrayList<>();
        for (JsonNode n : ROOT.get("reconstruction")) {
            if (n.get("dataset").asText().equals(dataset)) {
                out.add(new Recon(dataset, n.get("model").asText(), n.get("lambda").asDouble(), n.get("psnr").asDouble(),
                        n.get("sparsity").asDouble(), n.get("where").asText()));
            }
        }
        return out;
    }

    static List<Denoise> denoising(String dataset) {
        List<Denoise> out = new ArrayList<>();
        for (JsonNode n : ROOT.get("denoising")) {
            if (n.get("dataset").asText().equals(dataset)) {
                out.add(new Denoise(dataset, n.get("model").asText(), n.get("lambda").asDouble(), n.get("sigma").asDouble(),
                        n.get("noisyInputPsnr").asDouble(), n.get("denoisedPsnr").asDouble(),
                        n.get("noisySparsity").asDouble()));
            }
        }
        return out;
    }

    /** Table 3's lambdas of a model on a dataset (mnist or patches); empty for others. */
    static List<Double> lambdas(String dataset, String model) {
        JsonNode d = ROOT.get("lambdas").get(dataset);
        List<Double> out = new ArrayList<>();
        if (d != null && d.get(model) != null) {
            d.get(model).forEach(v -> out.add(v.asDouble()));
        }
        return out;
    }

    /** The paper's epochs on a dataset, or 0 when it has none. */
    static int epochs(String dataset) {
        JsonNode e = ROOT.get("epochs").get(dataset);
        return e != null ? e.asInt() : 0;
    }

    static String claim(String key) {
        return ROOT.get("claims").get(key).asText();
    }

    static String source() {
        return ROOT.get("source").asText();
    }

    /** Equal lambdas as the paper writes them (decimal; compare with a relative tolerance). */
    static boolean sameLambda(double a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    }
}
