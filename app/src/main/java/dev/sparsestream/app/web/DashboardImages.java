package dev.sparsestream.app.web;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import dev.sparsestream.core.viz.ImageGrid;
import dev.sparsestream.core.viz.PixelTiles;
import java.util.List;

/**
 * Pictures of the current weights for the dashboard: the decoder's atoms (D(e_i) - D(0), each tile
 * stretched to its own range as in the paper's figures) and a row of validation inputs above their
 * reconstructions (encoder codes; FISTA codes for the decoder-only families), both in pixel space.
 * Rendering uses its own copy of the model, never the learner's; one render at a time.
 */
public final class DashboardImages {
    /** Inputs shown with their reconstructions: one per class when the data has labels. */
    static final int SAMPLES = 10;
    private static final int ATOM_COLUMNS = 16;
    private static final int ZOOM = 2;

    /** The PNGs of one weight version. */
    public record Rendered(long version, byte[] dictionary, byte[] reconstructions) {
    }

    private final ModelConfig config;
    private final SparseAutoencoder scratch;
    private final PixelTiles samples;
    private final Matrix inputs; // (SAMPLES, d) normalised validation inputs
    private Rendered last;

    public DashboardImages(ModelConfig config, Dataset samplesFrom) {
        this.config = config;
        this.scratch = SparseAutoencoder.initialise(config);
        if (samplesFrom.dim() != config.dataDim()) {
            throw new IllegalArgumentException("samples have " + samplesFrom.dim() + " values, the model expects "
                    + config.dataDim());
        }
        samples = new PixelTiles(samplesFrom, PixelTiles.pick(samplesFrom, SAMPLES), config.normalisation());
        inputs = samples.inputs(samplesFrom);
    }

    /** The pictures of {@code w}, rendered again only when its version differs from the last one's. */
    public synchronized Rendered render(Weights w) {
        if (last != null && last.version() == w.version()) {
            return last;
        }
        scratch.importWeights(w);
        Matrix atoms = scratch.decoder().atoms(); // (l, d)
        byte[] dictionary = ImageGrid.png(ImageGrid.render(samples.raw(atoms), samples.height(), samples.width(), ATOM_COLUMNS,
                new ImageGrid.EachTile(), 1, ZOOM));

        int n = inputs.rows();
        Matrix codes = Matrix.zeros(n, config.codeDim());
        Encoding.encode(scratch, inputs, codes, !scratch.hasEncoder(), n);
        Matrix recon = scratch.decoder().workspace(n).decode(codes); // (n, d)
        byte[] reconstructions = samples.png(List.of(inputs, recon), 2, ZOOM);
        last = new Rendered(w.version(), dictionary, reconstructions);
        return last;
    }
}
