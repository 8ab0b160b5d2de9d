package dev.sparsestream.app.train;

import static dev.sparsestream.app.train.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparsestream.app.train.CommandLineTest.Run;
import dev.sparsestream.core.io.NpyFiles;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.patches.PatchFile;
import dev.sparsestream.core.tensor.Matrix;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The patch pipeline and users' vectors end to end through the command line: build, inspect, train, resume, and
 * the test PSNR in the report against a direct computation in pixel space from the saved model.
 */
public class PatchesAndVectorsTest {
    @TempDir
    Path tmp;

    /** Random smooth blobs, a few edges and noise: enough structure for patches to pass the std rule. */
    private static BufferedImage photo(int w, int h, long seed) {
        Random rng = new Random(seed);
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        double[][] blobs = new double[8][];
        for (int b = 0; b < blobs.length; b++) {
            blobs[b] = new double[] {rng.nextDouble() * w, rng.nextDouble() * h, 10 + rng.nextDouble() * 40,
                    rng.nextDouble() * 120 - 60};
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 120 + (x > w / 2 ? 30 : 0) + rng.nextGaussian() * 6;
                for (double[] b : blobs) {
                    double r2 = ((x - b[0]) * (x - b[0]) + (y - b[1]) * (y - b[1])) / (b[2] * b[2]);
                    v += b[3] * Math.exp(-r2);
                }
                int g = (int) Math.max(0, Math.min(255, v));
                im.setRGB(x, y, g << 16 | Math.min(255, g + 20) << 8 | g / 2);
            }
        }
        return im;
    }

    private Path photos() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("photos/class-a"));
        for (int i = 0; i < 4; i++) {
            ImageIO.write(photo(300 + 20 * i, 260, i), i % 2 == 0 ? "jpg" : "png", dir.resolve("p" + i + (i % 2 == 0
                    ? ".jpg" : ".png")).toFile());
        }
        Files.writeString(dir.resolve("corrupt.jpg"), "this is no JPEG");
        return dir.getParent();
    }

    @Test
    void buildInspectTrainOnPatchesAndResume() throws Exception {
        Path file = tmp.resolve("data/p.patches");
        Run build = run("patches", "build", "--images", photos().toString(), "--out", file.toString(), "--train", "500",
                "--val", "250", "--test", "250", "--seed", "3", "--no-progress");
        assertEquals(0, build.code(), build.err());
        assertTrue(build.out().contains("kept 1000 patches") && build.out().contains("patches/s"), build.out());
        assertTrue(build.out().contains("skipped 1 unreadable file(s)") && build.out().contains("corrupt.jpg"),
                build.out());
        Run again = run("patches", "build", "--images", photos().toString(), "--out", file.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        Run info = run("patches", "info", file.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("500 train, 250 validation, 250 test") && info.out().contains("checksum OK"),
                info.out());

        Path runDir = tmp.resolve("run");
        Run train = run("train", "--dataset", "patches", "--data", file.toString(), "--model", "VDL", "--epochs", "1",
                "--code-size", "32", "--out", runDir.toString(), "--no-progress", "--no-dashboard");
        assertEquals(0, train.code(), train.err());
        JsonNode report = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());
        assertEquals("patches", report.get("config").get("dataset").asText(), report.toString());
        assertEquals(0.005, report.get("lambda").asDouble(), 1e-12, "the patches preset of VDL");
        assertEquals(1e-2, report.get("config").get("wdEncoderBias").asDouble(), 1e-12);

        // The report's test PSNR, against encoder codes decoded and mapped to pixels here, from the file's raw maps.
        SparseAutoencoder model = ModelStore.load(runDir.resolve("model"));
        PatchFile.Patches test = PatchFile.read(file).test();
        Matrix y = Matrix.of(250, 784, test.x());
        Matrix recon = model.decoder().workspace(250).decode(model.encoder().workspace(250).forward(y));
        double psnr = 0;
        for (int i = 0; i < 250; i++) {
            double se = 0;
            for (int p = 0; p < 784; p++) {
                int o = i * 784 + p;
                double s = test.std()[o];
                double m = test.mean()[o];
                double pr = 0.259 * (recon.get(i, p) * s + m) + 0.457;
                double pt = 0.259 * (test.x()[o] * s + m) + 0.457;
                se += (pr - pt) * (pr - pt);
            }
            psnr += 10 * Math.log10(784 / se);
        }
        assertEquals(psnr / 250, report.get("test").get("psnr").asDouble(), 1e-3);

        // Every evaluation that needs no labels works on a patch model, with the run's own patch file.
        Run evalRecon = run("eval", "recon", "--model", runDir.resolve("model").toString());
        assertEquals(0, evalRecon.code(), evalRecon.err());
        JsonNode rj = new ObjectMapper().readTree(runDir.resolve("eval/recon.json").toFile());
        assertEquals(psnr / 250, rj.get("psnr").asDouble(), 1e-3);
        assertEquals(file.toString(), rj.get("data").asText(), rj.toString());
        Run denoise = run("eval", "denoise", "--model", runDir.resolve("model").toString(), "--sigma", "1.0");
        assertEquals(0, denoise.code(), denoise.err());
        JsonNode dj = new ObjectMapper().readTree(runDir.resolve("eval/denoise.json").toFile()).get("rows").get(0);
        assertTrue(dj.get("noisyPsnr").asDouble() < dj.get("denoisedPsnr").asDouble(), dj.toString());
        assertEquals(rj.get("psnr").asDouble(), dj.get("cleanPsnr").asDouble(), 1e-9);
        Run atoms = run("eval", "atoms", "--model", runDir.resolve("model").toString());
        assertEquals(0, atoms.code(), atoms.err());
        BufferedImage ap = ImageIO.read(runDir.resolve("eval/atoms-decoder.png").toFile());
        assertEquals(1 + 16 * (56 + 1), ap.getWidth(), "32 atoms of 28x28 at zoom 2, 16 to a row");
        assertEquals(1 + 2 * (56 + 1), ap.getHeight());
        Run classify = run("eval", "classify", "--model", runDir.resolve("model").toString());
        assertEquals(2, classify.code());
        assertTrue(classify.err().contains("label"), classify.err());

        JsonNode runJson = new ObjectMapper().readTree(runDir.resolve("run.json").toFile());
        assertEquals(file.toString(), runJson.get("data").asText());
        assertEquals(500, runJson.get("trainRows").asInt());
        Run resumed = run("train", "--resume", runDir.toString(), "--epochs", "2", "--no-progress", "--no-dashboard");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(2, new ObjectMapper().readTree(runDir.resolve("report.json").toFile()).get("epochs").size());
    }

    @Test
    void trainOnUsersVectorsWithTheTrainingRangeAsPeak() throws Exception {
        Random rng = new Random(5);
        int n = 1000;
        int d = 12;
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (3 + 2 * rng.nextGaussian());
        }
        Path dir = Files.createDirectories(tmp.resolve("acts"));
        NpyFiles.write(dir.resolve("part-0.npy"), Matrix.of(600, d, java.util.Arrays.copyOf(v, 600 * d)));
        NpyFiles.write(dir.resolve("part-1.npy"), Matrix.of(400, d, java.util.Arrays.copyOfRange(v, 600 * d, n * d)));
        Path runDir = tmp.resolve("vec");
        Run train = run("train", "--dataset", "vectors", "--data", dir.toString(), "--val-fraction", "0.25",
                "--test-fraction", "0.25", "--model", "SDL", "--code-size", "16", "--epochs", "1", "--out",
                runDir.toString(), "--no-progress", "--no-dashboard");
        assertEquals(0, train.code(), train.err());
        JsonNode report = new ObjectMapper().readTree(runDir.resolve("report.json").toFile());
        JsonNode config = report.get("config");
        assertEquals(d, config.get("dataDim").asInt());
        // pixels = (x - min) / (max - min) over the training split
        double std = config.get("normalisation").get("std").asDouble();
        double mean = config.get("normalisation").get("mean").asDouble();
        double min = -mean / std;
        double max = min + 1 / std;
        assertTrue(min < 3 - 4 && max > 3 + 4, min + " .. " + max);
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (float x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        assertTrue(min >= lo - 1e-4 && max <= hi + 1e-4, "the range is within the whole array's");

        Run recon = run("eval", "recon", "--model", runDir.resolve("model").toString());
        assertEquals(0, recon.code(), recon.err());
        assertEquals(report.get("test").get("psnr").asDouble(),
                new ObjectMapper().readTree(runDir.resolve("eval/recon.json").toFile()).get("psnr").asDouble(), 1e-3);
        Run atoms = run("eval", "atoms", "--model", runDir.resolve("model").toString());
        assertEquals(0, atoms.code(), atoms.err());

        Run noData = run("train", "--dataset", "vectors", "--out", tmp.resolve("x").toString());
        assertEquals(2, noData.code());
        assertTrue(noData.err().contains("--data"), noData.err());
        Run fractions = run("train", "--dataset", "mnist", "--val-fraction", "0.2", "--out", tmp.resolve("y").toString());
        assertEquals(2, fractions.code());
        assertTrue(fractions.err().contains("--val-fraction") && fractions.err().contains("vectors"), fractions.err());
        Run small = run("train", "--dataset", "vectors", "--data", dir.toString(), "--out", tmp.resolve("z").toString());
        assertEquals(2, small.code());
        assertTrue(small.err().contains("smaller than one batch of 250"), small.err());
    }
}
