package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.TrainingData;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.eval.Denoising;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import dev.sparsestream.core.viz.PixelTiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "denoise", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Denoising, the paper's Table 1: test inputs with Gaussian noise of standard deviation sigma added in",
                "the normalised space, codes from the encoder of the noisy inputs (FISTA from zero for DO models).",
                "Per sigma: sparsity and PSNR of the reconstruction of the clean input, PSNR of the noisy input, and",
                "sparsity and PSNR of the reconstruction of the noisy input, both PSNRs against the clean input.",
                "Writes OUT/denoise.json, OUT/denoise.csv and per sigma OUT/denoise-sigma<S>.png with rows clean /",
                "reconstruction / noisy / reconstruction of noisy, as Figures 7 and 8."})
public final class EvalDenoiseCommand implements Callable<Integer> {
    @Mixin
    EvalModelOptions options = new EvalModelOptions();

    @Option(names = "--sigma", split = ",", defaultValue = "1.0,1.5", paramLabel = "S",
            description = "Noise levels, comma separated (default 1.0,1.5).")
    List<Double> sigmas;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the noise (default 0).")
    long seed;

    @Option(names = "--samples", defaultValue = "10", paramLabel = "N", description = "Inputs in each picture (default 10).")
    int samples;

    @Override
    public Integer call() throws Exception {
        SparseAutoencoder m = options.load();
        TrainingData data = options.data(m);
        List<Denoising.Row> rows = run(m, options.model, data, sigmas, seed, samples, options.out());
        System.out.printf("%s, %d test samples%n", EvalFiles.label(m.config()), rows.get(0).samples());
        System.out.println(" sigma | clean: sparsity  PSNR | noisy input PSNR | noisy: sparsity  PSNR");
        for (Denoising.Row r : rows) {
            System.out.printf(" %5.2f |        %5.1f%%  %5.2f |            %5.2f |        %5.1f%%  %5.2f%n", r.sigma(),
                    100 * r.cleanSparsity(), r.cleanPsnr(), r.noisyPsnr(), 100 * r.noisySparsity(), r.denoisedPsnr());
        }
        System.out.println("results in " + options.out());
        return 0;
    }

    static List<Denoising.Row> run(SparseAutoencoder m, Path modelDir, TrainingData data, List<Double> sigmas, long seed,
                                   int samples, Path out) throws Exception {
        if (sigmas.isEmpty()) {
            throw new IllegalArgumentException("give at least one --sigma");
        }
        for (double s : sigmas) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("--sigma values must be finite and > 0, got " + s);
            }
        }
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
        }
        Dataset test = data.splits().test();
        List<Denoising.Row> rows = new ArrayList<>();
        List<List<Object>> csv = new ArrayList<>();
        ObjectNode root = EvalFiles.provenance("eval denoise", modelDir, m, data.source());
        root.put("split", "test");
        root.put("noiseSeed", seed);
        ArrayNode table = root.putArray("rows");
        PixelTiles tiles = new PixelTiles(test, PixelTiles.pick(test, samples), m.config().normalisation());
        Matrix clean = tiles.inputs(test);
        for (double sigma : sigmas) {
            Denoising.Row r = Denoising.evaluate(m, test, sigma, seed);
            rows.add(r);
            table.add(Json.mapper().valueToTree(r));
            csv.add(List.of(m.config().model().label(), m.config().lambda(), sigma, r.cleanSparsity(), r.cleanPsnr(),
                    r.noisyPsnr(), r.noisySparsity(), r.denoisedPsnr()));
            Matrix noisy = tiles.inputs(Denoising.noisy(test, sigma, seed)); // the same noise as the figures
            EvalFiles.png(out.resolve("denoise-sigma" + EvalFiles.number(sigma) + ".png"), tiles.png(List.of(clean,
                    reconstruct(m, clean), noisy, reconstruct(m, noisy)), 2, 2));
        }
        EvalFiles.json(out.resolve("denoise.json"), root);
        EvalFiles.csv(out.resolve("denoise.csv"), List.of("model", "lambda", "sigma", "cleanSparsity", "cleanPsnr",
                "noisyInputPsnr", "noisySparsity", "denoisedPsnr"), csv);
        return rows;
    }

    /** D(codes of x) for a few rows (encoder codes; FISTA from zero without an encoder). */
    static Matrix reconstruct(SparseAutoencoder m, Matrix x) {
        Matrix codes = Matrix.zeros(x.rows(), m.config().codeDim());
        Encoding.encode(m, x, codes, !m.hasEncoder(), x.rows());
        return m.decoder().workspace(x.rows()).decode(codes).copy();
    }
}
