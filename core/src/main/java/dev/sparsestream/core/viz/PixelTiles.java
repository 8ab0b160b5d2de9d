package dev.sparsestream.core.viz;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.data.PixelMaps;
import dev.sparsestream.core.tensor.Matrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chosen samples of a dataset as picture tiles in pixel space: their inputs, and any rows aligned with them
 * (reconstructions, noisy versions) mapped back through the same samples' pixel maps (or the normalisation).
 * Data of d values is drawn as a square of sqrt(d) when d is a square, else as rows of ceil(sqrt(d)).
 */
public final class PixelTiles {
    private final Normalisation norm;
    private final int[] picked;
    private final float[][] scale; // per picked sample, its pixel maps (patches); null: the normalisation's
    private final float[][] offset;
    private final int height;
    private final int width;

    /** @param picked rows of {@code from} to show, in order */
    public PixelTiles(Dataset from, int[] picked, Normalisation norm) {
        this.norm = norm;
        this.picked = picked.clone();
        int d = from.dim();
        PixelMaps maps = from.pixelMaps();
        scale = maps == null ? null : new float[picked.length][d];
        offset = maps == null ? null : new float[picked.length][d];
        for (int i = 0; maps != null && i < picked.length; i++) {
            for (int p = 0; p < d; p++) {
                scale[i][p] = maps.scale(picked[i], p);
                offset[i][p] = maps.offset(picked[i], p);
            }
        }
        int[] shape = tileShape(d);
        height = shape[0];
        width = shape[1];
    }

    /** {height, width} of the tile of a d-value row: a square for a square d, else rows of ceil(sqrt(d)). */
    public static int[] tileShape(int d) {
        int side = (int) Math.round(Math.sqrt(d));
        int width = side * side == d ? side : (int) Math.ceil(Math.sqrt(d));
        return new int[] {(d + width - 1) / width, width};
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int count() {
        return picked.length;
    }

    /** The picked rows of {@code from} as a (count, d) matrix in its normalised space. */
    public Matrix inputs(Dataset from) {
        Matrix m = Matrix.zeros(picked.length, from.dim());
        from.copyRows(picked, 0, picked.length, m.data());
        return m;
    }

    /** The first sample of each label 0..max-1 in label order, else the first samples; at most {@code max}. */
    public static int[] pick(Dataset data, int max) {
        int n = Math.min(max, data.size());
        if (n == 0) {
            throw new IllegalArgumentException("no samples to show");
        }
        if (!data.hasLabels()) {
            int[] first = new int[n];
            for (int i = 0; i < n; i++) {
                first[i] = i;
            }
            return first;
        }
        int[] firstOf = new int[max];
        Arrays.fill(firstOf, -1);
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            if (label >= 0 && label < max && firstOf[label] < 0) {
                firstOf[label] = i;
            }
        }
        List<Integer> chosen = new ArrayList<>();
        for (int f : firstOf) {
            if (f >= 0) {
                chosen.add(f);
            }
        }
        for (int i = 0; chosen.size() < n && i < data.size(); i++) { // fewer labels than max: fill up
            if (!chosen.contains(i)) {
                chosen.add(i);
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Rows of m (aligned with the picked samples) as tiles in pixel space, padded with NaN. */
    public float[][] pixels(Matrix m) {
        if (m.rows() != picked.length) {
            throw new IllegalArgumentException(m.rows() + " rows for " + picked.length + " picked samples");
        }
        int d = m.cols();
        float[][] t = new float[m.rows()][height * width];
        for (int i = 0; i < m.rows(); i++) {
            Arrays.fill(t[i], Float.NaN);
            for (int p = 0; p < d; p++) {
                float v = m.get(i, p);
                t[i][p] = scale != null ? scale[i][p] * v + offset[i][p] : (float) norm.toPixel(v);
            }
        }
        return t;
    }

    /** Rows of m as they are (atoms, encoder filters), padded with NaN to height x width tiles. */
    public float[][] raw(Matrix m) {
        return raw(m, height, width);
    }

    public static float[][] raw(Matrix m, int height, int width) {
        float[][] t = new float[m.rows()][height * width];
        for (int i = 0; i < m.rows(); i++) {
            Arrays.fill(t[i], Float.NaN);
            for (int p = 0; p < m.cols(); p++) {
                t[i][p] = m.get(i, p);
            }
        }
        return t;
    }

    /**
     * A picture of several rows of tiles, one row per matrix (each aligned with the picked samples), in pixel space
     * with pixels 0 (black) to 1 (white).
     */
    public byte[] png(List<Matrix> rows, int pad, int zoom) {
        float[][] tiles = new float[rows.size() * picked.length][];
        for (int r = 0; r < rows.size(); r++) {
            float[][] t = pixels(rows.get(r));
            System.arraycopy(t, 0, tiles, r * picked.length, picked.length);
        }
        return ImageGrid.png(ImageGrid.render(tiles, height, width, picked.length, new ImageGrid.Range(0, 1), pad, zoom));
    }
}
