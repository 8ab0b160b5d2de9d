package dev.sparsestream.app.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.viz.ImageGrid;
import dev.sparsestream.core.viz.PixelTiles;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "atoms", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pictures of what a model learned, as the paper's Figures 2-5 and 14: the decoder's atoms (columns of W;",
                "for non-linear decoders D(e_i) - D(0), the decoder's output for a code with only component i at 1, less",
                "its output for the zero code, as the paper's footnote 4) and the encoder's filters (rows of U), each",
                "tile stretched to its own range (black: its minimum, white: its maximum), in component order.",
                "Writes OUT/atoms-decoder.png, OUT/atoms-encoder.png (models with an encoder) and OUT/atoms.json (the",
                "L2 norm of every atom and filter)."})
public final class EvalAtomsCommand implements Callable<Integer> {
    @Mixin
    EvalModelOptions options = new EvalModelOptions();

    @Option(names = "--columns", defaultValue = "16", description = "Tiles per row (default 16).")
    int columns;

    @Option(names = "--zoom", defaultValue = "2", description = "Screen pixels per pixel (default 2).")
    int zoom;

    @Override
    public Integer call() throws Exception {
        SparseAutoencoder m = options.load();
        run(m, options.model, columns, zoom, options.out());
        System.out.printf("%s: %d atoms -> %s%n", EvalFiles.label(m.config()), m.config().codeDim(), options.out());
        return 0;
    }

    static void run(SparseAutoencoder m, Path modelDir, int columns, int zoom, Path out) throws Exception {
        if (columns < 1 || zoom < 1) {
            throw new IllegalArgumentException("--columns and --zoom must be >= 1");
        }
        int[] shape = PixelTiles.tileShape(m.config().dataDim());
        int height = shape[0];
        int width = shape[1];
        ObjectNode root = EvalFiles.provenance("eval atoms", modelDir, m, null);
        Matrix atoms = m.decoder().atoms(); // (l, d)
        EvalFiles.png(out.resolve("atoms-decoder.png"), ImageGrid.png(ImageGrid.render(PixelTiles.raw(atoms, height, width),
                height, width, columns, new ImageGrid.EachTile(), 1, zoom)));
        root.set("decoder", norms(atoms, m.config().nonLinear() ? "D(e_i) - D(0)" : "columns of W"));
        if (m.hasEncoder()) {
            Matrix u = m.encoder().u(); // (l, d)
            EvalFiles.png(out.resolve("atoms-encoder.png"), ImageGrid.png(ImageGrid.render(PixelTiles.raw(u, height, width),
                    height, width, columns, new ImageGrid.EachTile(), 1, zoom)));
            root.set("encoder", norms(u, "rows of U"));
        }
        EvalFiles.json(out.resolve("atoms.json"), root);
    }

    private static ObjectNode norms(Matrix rows, String what) {
        double[] n = new double[rows.rows()];
        for (int i = 0; i < n.length; i++) {
            double s = 0;
            for (int p = 0; p < rows.cols(); p++) {
                s += (double) rows.get(i, p) * rows.get(i, p);
            }
            n[i] = Math.sqrt(s);
        }
        ObjectNode o = dev.sparsestream.core.io.Json.mapper().createObjectNode();
        o.put("what", what);
        o.put("count", n.length);
        o.put("meanNorm", Arrays.stream(n).average().orElse(0));
        o.put("minNorm", Arrays.stream(n).min().orElse(0));
        o.put("maxNorm", Arrays.stream(n).max().orElse(0));
        var arr = o.putArray("norms");
        for (double v : n) {
            arr.add(v);
        }
        return o;
    }
}
