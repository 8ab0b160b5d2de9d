package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.CommandLineTest;
import static dev.sparsestream.app.train.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every evaluation command, the sweep and the report on small models trained here. */
public class EvaluationCommandsTest {
    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path mnist() {
        Path data = CommandLineTest.mnistParent();
        assumeTrue(MnistFiles.problems(data.resolve("mnist")).isEmpty(), "MNIST not fetched");
        return data;
    }

    private static BufferedImage png(Path p) throws Exception {
        assertTrue(Files.size(p) > 100, p + " is empty");
        BufferedImage img = ImageIO.read(p.toFile());
        assertTrue(img != null, p + " is not a readable image");
        return img;
    }

    @Test
    void evaluationsOfASmallModelAndTheirReport() throws Exception {
        Path data = mnist();
        Path runDir = tmp.resolve("run");
        var t = run("train", "--model", "VDL", "--epochs", "1", "--train-samples", "1000", "--data-dir", data.toString(),
                "--out", runDir.toString(), "--no-progress", "--no-dashboard");
        assertEquals(0, t.code(), t.err());
        Path modelDir = runDir.resolve("model");
        Path evalDir = runDir.resolve("eval");

        // recon: the default folder is RUN/eval; PSNR equals a direct computation over the whole test split
        var r = run("eval", "recon", "--model", modelDir.toString(), "--data-dir", data.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode recon = JSON.readTree(evalDir.resolve("recon.json").toFile());
        SparseAutoencoder model = ModelStore.load(modelDir);
        Dataset test = MnistData.load(data.resolve("mnist")).test();
        Matrix x = Matrix.zeros(test.size(), 784);
        test.copyRows(0, test.size(), x.data());
        Matrix z = Matrix.zeros(test.size(), 128);
        Encoding.encode(model, x, z, false, 250);
        Matrix y = model.decoder().workspace(test.size()).decode(z);
        double psnr = 0;
        long zeros = 0;
        for (int i = 0; i < test.size(); i++) {
            double se = 0;
            for (int p = 0; p < 784; p++) {
                double d = 0.3081 * (y.get(i, p) - x.get(i, p));
                se += d * d;
            }
            psnr += 10 * Math.log10(784 / se);
            for (int k = 0; k < 128; k++) {
                zeros += z.get(i, k) == 0f ? 1 : 0;
            }
        }
        assertEquals(psnr / test.size(), recon.get("psnr").asDouble(), 1e-3);
        assertEquals(zeros / (128.0 * test.size()), recon.get("sparsity").asDouble(), 1e-9);
        assertEquals("VDL", recon.get("model").asText());
        assertEquals(0.02, recon.get("config").get("lambda").asDouble());
        BufferedImage rp = png(evalDir.resolve("recon.png"));
        assertEquals(2 + 10 * (56 + 2), rp.getWidth()); // ten digits, zoom 2, pad 2
        assertEquals(2 + 2 * (56 + 2), rp.getHeight()); // inputs, reconstructions

        // denoise: the noisy input's PSNR is docs/method.md's sanity value; four rows per picture
        var dn = run("eval", "denoise", "--model", modelDir.toString(), "--sigma", "1.0,1.5", "--data-dir", data.toString());
        assertEquals(0, dn.code(), dn.err());
        JsonNode den = JSON.readTree(evalDir.resolve("denoise.json").toFile());
        assertEquals(2, den.get("rows").size());
        assertEquals(10.2, den.get("rows").get(0).get("noisyPsnr").asDouble(), 0.05);
        assertEquals(6.7, den.get("rows").get(1).get("noisyPsnr").asDouble(), 0.05);
        assertEquals(recon.get("psnr").asDouble(), den.get("rows").get(0).get("cleanPsnr").asDouble(), 1e-9);
        assertEquals(3, Files.readAllLines(evalDir.resolve("denoise.csv")).size());
        assertEquals(2 + 4 * (56 + 2), png(evalDir.resolve("denoise-sigma1.5.png")).getHeight());
        var bad = run("eval", "denoise", "--model", modelDir.toString(), "--sigma", "-1", "--data-dir", data.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--sigma"), bad.err());

        // atoms (given the run folder instead of RUN/model): 128 tiles in 8 rows of 16; the norms are W's column norms
        var a = run("eval", "atoms", "--model", runDir.toString());
        assertEquals(0, a.code(), a.err());
        BufferedImage ap = png(evalDir.resolve("atoms-decoder.png"));
        assertEquals(1 + 16 * (56 + 1), ap.getWidth());
        assertEquals(1 + 8 * (56 + 1), ap.getHeight());
        png(evalDir.resolve("atoms-encoder.png"));
        JsonNode atoms = JSON.readTree(evalDir.resolve("atoms.json").toFile());
        Matrix w = model.decoder().parameters().get(0); // (784, 128)
        for (int k : new int[] {0, 77, 127}) {
            double s = 0;
            for (int p = 0; p < 784; p++) {
                s += (double) w.get(p, k) * w.get(p, k);
            }
            assertEquals(Math.sqrt(s), atoms.get("decoder").get("norms").get(k).asDouble(), 1e-5);
        }

        // classify: two baselines and the model, two sizes, two seeds
        Path cls = tmp.resolve("classify");
        var c = run("eval", "classify", "--model", modelDir.toString(), "--sizes", "1,5", "--seeds", "2", "--epochs", "3",
                "--data-dir", data.toString(), "--out", cls.toString());
        assertEquals(0, c.code(), c.err());
        JsonNode cj = JSON.readTree(cls.resolve("classify.json").toFile());
        assertEquals(6, cj.get("cells").size());
        for (JsonNode cell : cj.get("cells")) {
            assertEquals(2, cell.get("top1").size());
            double e1 = cell.get("top1Mean").asDouble();
            double e3 = cell.get("top3Mean").asDouble();
            assertTrue(e1 > 0 && e1 < 0.95 && e3 <= e1, cell.toString());
        }
        assertEquals(List.of(10, 50), List.of(cj.get("cells").get(0).get("trainSamples").asInt(),
                cj.get("cells").get(1).get("trainSamples").asInt()));
        assertEquals(7, Files.readAllLines(cls.resolve("classify.csv")).size());
        assertEquals(1440, png(cls.resolve("classify.png")).getWidth()); // top-1 and top-3 side by side

        // collapse: both runs recorded batch by batch
        Path col = tmp.resolve("collapse");
        var k = run("eval", "collapse", "--epochs", "1", "--train-samples", "1000", "--data-dir", data.toString(),
                "--out", col.toString());
        assertEquals(0, k.code(), k.err());
        JsonNode kj = JSON.readTree(col.resolve("collapse.json").toFile());
        assertEquals(2, kj.get("runs").size());
        assertEquals(0.0, kj.get("runs").get(1).get("config").get("beta").asDouble());
        assertEquals(4, kj.get("runs").get(0).get("codeL1").size()); // 1000 samples: 4 batches
        assertTrue(kj.get("runs").get(1).get("codeL1Last").asDouble() > 0);
        png(col.resolve("collapse.png"));

        // report: sections, the model's row, and picture links that resolve from the report's folder
        Path report = tmp.resolve("out").resolve("report.md");
        var rep = run("report", "--run", runDir.toString(), "--classify", cls.toString(), "--collapse", col.toString(),
                "--out", report.toString());
        assertEquals(0, rep.code(), rep.err());
        String md = Files.readString(report);
        for (String section : new String[] {"## Reconstruction quality", "## Denoising", "## Atoms",
                "## Low-data classification", "## Collapse", "| run | mnist | VDL | 0.02 |"}) {
            assertTrue(md.contains(section), section + " missing:\n" + md);
        }
        Matcher m = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(md);
        int images = 0;
        while (m.find()) {
            images++;
            assertTrue(Files.exists(report.getParent().resolve(m.group(1))), m.group(1));
        }
        assertTrue(images >= 6, "images: " + images);
        assertEquals(2, run("report", "--out", report.toString()).code());
    }

    @Test
    void classifyRefusesModelsWithoutLabelsAndBadSizes() throws Exception {
        var none = run("eval", "classify", "--no-baselines");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("nothing to classify"), none.err());
        var sizes = run("eval", "classify", "--sizes", "1,zero");
        assertEquals(2, sizes.code());
        assertTrue(sizes.err().contains("--sizes"), sizes.err());
        var missing = run("eval", "recon", "--model", tmp.resolve("nowhere").toString());
        assertNotEquals(0, missing.code());
    }

    @Test
    void sweepTrainsEvaluatesPlotsAndContinues() throws Exception {
        Path data = mnist();
        Path sw = tmp.resolve("sweep");
        String[] base = {"sweep", "--models", "VDL", "--lambdas", "0.01,0.02", "--epochs", "1", "--train-samples", "500",
                "--data-dir", data.toString(), "--out", sw.toString(), "--no-progress"};
        var first = run(base);
        assertEquals(0, first.code(), first.err() + first.out());
        JsonNode state = JSON.readTree(sw.resolve("sweep.json").toFile());
        assertEquals(2, state.get("entries").size());
        for (JsonNode e : state.get("entries")) {
            assertEquals("evaluated", e.get("status").asText());
            assertTrue(Files.exists(sw.resolve(e.get("dir").asText()).resolve("eval").resolve("atoms-decoder.png")));
        }
        assertEquals(3, Files.readAllLines(sw.resolve("sweep.csv")).size());
        assertEquals(3, Files.readAllLines(sw.resolve("tradeoff.csv")).size());
        png(sw.resolve("tradeoff.png"));
        Files.delete(sw.resolve("curves.png"));
        var summary = run("sweep", "--summary", "--out", sw.toString());
        assertEquals(0, summary.code(), summary.err());
        assertTrue(summary.out().contains("2 runs evaluated of 2"), summary.out());
        var noPlan = run("sweep", "--out", sw.toString());
        assertEquals(2, noPlan.code());
        assertTrue(noPlan.err().contains("give --models and --epochs"), noPlan.err());
        BufferedImage curves = png(sw.resolve("curves.png")); // four panels, two by two
        assertEquals(1440, curves.getWidth());
        assertEquals(840, curves.getHeight());
        Path run1 = sw.resolve(state.get("entries").get(0).get("dir").asText());
        JsonNode before = JSON.readTree(run1.resolve("report.json").toFile());

        // the same command again: nothing to do
        var again = run(base);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("continuing the sweep") && !again.out().contains("== sweep run"), again.out());

        // more epochs: every run continues from its snapshot (its first epoch is kept as it was)
        String[] more = base.clone();
        more[6] = "2";
        var extended = run(more);
        assertEquals(0, extended.code(), extended.err() + extended.out());
        assertTrue(extended.out().contains("resuming"), extended.out());
        JsonNode after = JSON.readTree(run1.resolve("report.json").toFile());
        assertEquals(2, after.get("epochs").size());
        assertEquals(before.get("epochs").get(0).get("val").get("energy").asDouble(),
                after.get("epochs").get(0).get("val").get("energy").asDouble());

        // a different base is another sweep
        String[] other = base.clone();
        other[8] = "600";
        var refused = run(other);
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("another --out"), refused.err());

        // a report of the sweep alone: both runs against the paper, the trade-off chart linked
        Path report = tmp.resolve("sweep-report.md");
        var rep = run("report", "--sweep", sw.toString(), "--out", report.toString());
        assertEquals(0, rep.code(), rep.err());
        String md = Files.readString(report);
        assertTrue(md.contains("| VDL | 0.02 |") && md.contains("| VDL | 0.01 |"), md);
        assertTrue(md.contains("](sweep/tradeoff.png)"), md);
        assertTrue(!md.contains("## Low-data classification") && !md.contains("## Collapse"), md);

        // Figure 9's protocol on the sweep: per size, the lambda whose classifier validates best
        Path cls = tmp.resolve("sweep-classify");
        var c = run("eval", "classify", "--sweep", sw.toString(), "--sizes", "1,5", "--seeds", "2", "--epochs", "3",
                "--no-baselines", "--data-dir", data.toString(), "--out", cls.toString());
        assertEquals(0, c.code(), c.err() + c.out());
        JsonNode sel = JSON.readTree(cls.resolve("selection.json").toFile());
        assertEquals(2, sel.get("candidates").size());
        assertEquals(2, sel.get("choices").size());
        for (JsonNode choice : sel.get("choices")) {
            int size = choice.get("perClass").asInt();
            // independently: the mean of each candidate's validation errors at this size, the smallest wins
            double bestVal = Double.POSITIVE_INFINITY;
            double bestLambda = Double.NaN;
            for (JsonNode cand : sel.get("candidates")) {
                for (JsonNode cell : cand.get("cells")) {
                    if (cell.get("perClass").asInt() == size) {
                        double mean = (cell.get("valTop1").get(0).asDouble() + cell.get("valTop1").get(1).asDouble()) / 2;
                        if (mean < bestVal) {
                            bestVal = mean;
                            bestLambda = cand.get("lambda").asDouble();
                        }
                    }
                }
            }
            assertEquals(bestLambda, choice.get("lambda").asDouble(), "size " + size);
            assertEquals(2, choice.get("candidates").asInt());
        }
        List<String> selCsv = Files.readAllLines(cls.resolve("selection.csv"));
        assertEquals(3, selCsv.size());
        assertTrue(selCsv.get(1).startsWith("VDL,1,"), selCsv.toString());
        List<String> clsCsv = Files.readAllLines(cls.resolve("classify.csv"));
        assertEquals(3, clsCsv.size()); // the chosen cell for each size, as "Linear on VDL"
        assertTrue(clsCsv.get(1).startsWith("Linear on VDL,1,"), clsCsv.toString());
        assertTrue(c.out().contains("chosen by validation accuracy"), c.out());

        var notSweep = run("eval", "classify", "--sweep", run1.toString(), "--no-baselines");
        assertEquals(2, notSweep.code());
        assertTrue(notSweep.err().contains("is not a sweep folder"), notSweep.err());
    }
}
