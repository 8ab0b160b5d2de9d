package dev.sparsestream.app;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.data.PixelMaps;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import dev.sparsestream.core.viz.ImageGrid;
import java.util.ArrayList;
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
    private final Matrix inputs; // (SAMPLES, d) normalised validation inputs
    private final float[][] inputScale; // per input, its pixel maps (patches); null: the normalisation's
    private final float[][] inputOffset;
    private final int height;
    private final int width;
    private Rendered last;

    public DashboardImages(ModelConfig config, Dataset samplesFrom) {
        this.config = config;
        this.scratch = SparseAutoencoder.initialise(config);
        int d = config.dataDim();
        if (samplesFrom.dim() != d) {
            throw new IllegalArgumentException("samples have " + samplesFrom.dim() + " values, the model expects " + d);
        }
        int[] picked = pick(samplesFrom);
        inputs = Matrix.zeros(picked.length, d);
        samplesFrom.copyRows(picked, 0, picked.length, inputs.data());
        PixelMaps maps = samplesFrom.pixelMaps();
        inputScale = maps == null ? null : new float[picked.length][d];
        inputOffset = maps == null ? null : new float[picked.length][d];
        for (int i = 0; maps != null && i < picked.length; i++) {
            for (int p = 0; p < d; p++) {
                inputScale[i][p] = maps.scale(picked[i], p);
                inputOffset[i][p] = maps.offset(picked[i], p);
            }
        }
        int side = (int) Math.round(Math.sqrt(d));
        // Square data (28 x 28 images and patches) as images; anything else as rows of ceil(sqrt(d)).
        width = side * side == d ? side : (int) Math.ceil(Math.sqrt(d));
        height = (d + width - 1) / width;
    }

    /** The first sample of each label in label order, else the first samples; at most {@link #SAMPLES}. */
    static int[] pick(Dataset data) {
        int n = Math.min(SAMPLES, data.size());
        if (n == 0) {
            throw new IllegalArgumentException("no samples to show reconstructions of");
        }
        if (!data.hasLabels()) {
            int[] first = new int[n];
            for (int i = 0; i < n; i++) {
                first[i] = i;
            }
            return first;
        }
        List<Integer> chosen = new ArrayList<>();
        int[] firstOf = new int[SAMPLES];
        java.util.Arrays.fill(firstOf, -1);
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            if (label >= 0 && label < SAMPLES && firstOf[label] < 0) {
                firstOf[label] = i;
            }
        }
        for (int f : firstOf) {
            if (f >= 0) {
                chosen.add(f);
            }
        }
        for (int i = 0; chosen.size() < n && i < data.size(); i++) { // fewer labels than SAMPLES: fill up
            if (!chosen.contains(i)) {
                chosen.add(i);
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The pictures of {@code w}, rendered again only when its version differs from the last one's. */
    public synchronized Rendered render(Weights w) {
        if (last != null && last.version() == w.version()) {
            return last;
        }
        scratch.importWeights(w);
        Matrix atoms = scratch.decoder().atoms(); // (l, d)
        float[][] atomTiles = rows(atoms, false);
        byte[] dictionary = ImageGrid.png(ImageGrid.render(atomTiles, height, width, ATOM_COLUMNS,
                new ImageGrid.EachTile(), 1, ZOOM));

        int n = inputs.rows();
        Matrix codes = Matrix.zeros(n, config.codeDim());
        Encoding.encode(scratch, inputs, codes, !scratch.hasEncoder(), n);
        Matrix recon = scratch.decoder().workspace(n).decode(codes); // (n, d)
        float[][] tiles = new float[2 * n][];
        float[][] in = rows(inputs, true);
        float[][] out = rows(recon, true);
        for (int i = 0; i < n; i++) {
            tiles[i] = in[i];
            tiles[n + i] = out[i];
        }
        byte[] reconstructions = ImageGrid.png(ImageGrid.render(tiles, height, width, n, new ImageGrid.Range(0, 1), 2,
                ZOOM));
        last = new Rendered(w.version(), dictionary, reconstructions);
        return last;
    }

    /**
     * The rows of m as tiles padded to height x width (NaN: mid-grey), in pixel space when asked (the rows are then
     * the inputs or their reconstructions, in the inputs' order, so the inputs' pixel maps apply).
     */
    private float[][] rows(Matrix m, boolean toPixels) {
        Normalisation norm = config.normalisation();
        int d = m.cols();
        float[][] t = new float[m.rows()][height * width];
        for (int i = 0; i < m.rows(); i++) {
            java.util.Arrays.fill(t[i], Float.NaN);
            for (int p = 0; p < d; p++) {
                float v = m.get(i, p);
                if (!toPixels) {
                    t[i][p] = v;
                } else if (inputScale != null) {
                    t[i][p] = inputScale[i][p] * v + inputOffset[i][p];
                } else {
                    t[i][p] = (float) norm.toPixel(v);
                }
            }
        }
        return t;
    }
}
