package dev.sparsestream.core.viz;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Lays out vectors of h x w grey pixels (atoms, inputs, reconstructions) as a grid of tiles and encodes it
 * as PNG. Two scalings: each tile stretched to its own [min, max] (how the paper shows atoms, as
 * torchvision's {@code make_grid(normalize=True, scale_each=True)}), or one fixed range for all tiles (for
 * images that should be compared with each other, such as inputs and their reconstructions).
 */
public final class ImageGrid {
    private ImageGrid() {
    }

    /** How pixel values map to grey levels. */
    public sealed interface Scaling permits EachTile, Range {
    }

    /**
     * Each tile from its own minimum (black) to its maximum (white), NaN ignored; a constant tile is
     * mid-grey.
     */
    public record EachTile() implements Scaling {
    }

    /** Values from {@code lo} (black) to {@code hi} (white) for every tile, clipped outside. */
    public record Range(double lo, double hi) implements Scaling {
        public Range {
            if (!(hi > lo)) {
                throw new IllegalArgumentException("range needs lo < hi, got " + lo + ", " + hi);
            }
        }
    }

    /**
     * @param tiles   each of length h * w, row-major; NaN is drawn mid-grey (padding)
     * @param columns tiles per grid row
     * @param pad     pixels of background between tiles and around the grid
     * @param zoom    each pixel drawn as zoom x zoom pixels
     * @return a grey image of ceil(tiles / columns) rows of tiles
     */
    public static BufferedImage render(float[][] tiles, int h, int w, int columns, Scaling scaling, int pad, int zoom) {
        if (tiles.length == 0 || h < 1 || w < 1 || columns < 1 || pad < 0 || zoom < 1) {
            throw new IllegalArgumentException("need tiles, positive h, w, columns, zoom and pad >= 0");
        }
        int rows = (tiles.length + columns - 1) / columns;
        int cols = Math.min(columns, tiles.length);
        int tw = w * zoom;
        int th = h * zoom;
        int width = pad + cols * (tw + pad);
        int height = pad + rows * (th + pad);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        var raster = image.getRaster();
        int background = 40;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setSample(x, y, 0, background);
            }
        }
        for (int t = 0; t < tiles.length; t++) {
            float[] tile = tiles[t];
            if (tile.length != h * w) {
                throw new IllegalArgumentException("tile " + t + " has " + tile.length + " values, not " + h + " x " + w);
            }
            double lo;
            double hi;
            if (scaling instanceof Range r) {
                lo = r.lo();
                hi = r.hi();
            } else {
                lo = Double.POSITIVE_INFINITY;
                hi = Double.NEGATIVE_INFINITY;
                for (float v : tile) {
                    if (!Float.isNaN(v)) { // NaN marks padding
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
            int x0 = pad + (t % columns) * (tw + pad);
            int y0 = pad + (t / columns) * (th + pad);
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int grey = grey(tile[i * w + j], lo, hi);
                    for (int a = 0; a < zoom; a++) {
                        for (int b = 0; b < zoom; b++) {
                            raster.setSample(x0 + j * zoom + b, y0 + i * zoom + a, 0, grey);
                        }
                    }
                }
            }
        }
        return image;
    }

    /** 0..255 for v in [lo, hi]; 128 for a constant tile or a value that is not a number. */
    static int grey(double v, double lo, double hi) {
        if (!(hi > lo) || Double.isNaN(v)) {
            return 128;
        }
        double t = (v - lo) / (hi - lo);
        return (int) Math.round(255 * Math.max(0, Math.min(1, t)));
    }

    /** @return the image as PNG bytes */
    public static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
    }
}
