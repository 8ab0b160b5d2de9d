package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.TrainingData;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import dev.sparsestream.core.train.Evaluator;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.core.viz.PixelTiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "recon", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reconstruction quality of a model: mean PSNR (pixel space) and sparsity of the codes on the test",
                "split (--split val for validation), codes from the encoder (FISTA from zero for DO models), in the",
                "batches of 250 of the model's configuration, as docs/method.md's test figures.",
                "Writes OUT/recon.json (with the energy and its terms, code statistics and the model's configuration),",
                "OUT/recon.csv and OUT/recon.png (inputs above their reconstructions, in pixel space)."})
public final class EvalReconCommand implements Callable<Integer> {
    @Mixin
    EvalModelOptions options = new EvalModelOptions();

    @Option(names = "--split", defaultValue = "test", paramLabel = "test|val", description = "Which split (default test).")
    String split;

    @Option(names = "--samples", defaultValue = "10", paramLabel = "N", description = "Inputs in the picture (default 10).")
    int samples;

    @Override
    public Integer call() throws Exception {
        SparseAutoencoder m = options.load();
        TrainingData data = options.data(m);
        Summary s = run(m, options.model, data, split, samples, options.out());
        System.out.printf("%s on the %s split: PSNR %.2f dB, sparsity %.1f%%; results in %s%n", EvalFiles.label(m.config()),
                split, s.psnr(), 100 * s.sparsity(), options.out());
        return 0;
    }

    /** Evaluates and writes recon.json, recon.csv and recon.png into out. */
    static Summary run(SparseAutoencoder m, Path modelDir, TrainingData data, String split, int samples, Path out)
            throws Exception {
        Dataset d = switch (split) {
            case "test" -> data.splits().test();
            case "val" -> data.splits().val();
            default -> throw new IllegalArgumentException("--split must be test or val, got '" + split + "'");
        };
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
        }
        Summary s = new Evaluator(m, m.config().batchSize()).evaluate(d, FistaParams.of(m.config()));
        ObjectNode root = EvalFiles.provenance("eval recon", modelDir, m, data.source());
        root.put("split", split);
        root.put("samples", d.size() / m.config().batchSize() * m.config().batchSize());
        root.put("psnr", s.psnr());
        root.put("sparsity", s.sparsity());
        root.put("energy", s.energy());
        root.set("energyTerms", Json.mapper().valueToTree(s.energyTerms()));
        root.put("fistaSteps", s.fistaSteps());
        root.put("minCodeStd", s.minCodeStd());
        root.put("meanCodeStd", s.meanCodeStd());
        root.put("deadComponents", s.deadComponents());
        EvalFiles.json(out.resolve("recon.json"), root);
        EvalFiles.csv(out.resolve("recon.csv"), List.of("model", "lambda", "split", "psnr", "sparsity", "energy"),
                List.of(List.of(m.config().model().label(), m.config().lambda(), split, s.psnr(), s.sparsity(), s.energy())));

        PixelTiles tiles = new PixelTiles(d, PixelTiles.pick(d, samples), m.config().normalisation());
        Matrix inputs = tiles.inputs(d);
        Matrix codes = Matrix.zeros(tiles.count(), m.config().codeDim());
        Encoding.encode(m, inputs, codes, !m.hasEncoder(), tiles.count());
        Matrix recon = m.decoder().workspace(tiles.count()).decode(codes);
        EvalFiles.png(out.resolve("recon.png"), tiles.png(List.of(inputs, recon), 2, 2));
        return s;
    }
}
