package dev.sparsestream.core.patches;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * An 8-bit RGB image, interleaved row-major ({@code rgb[3 * (y * width + x) + channel]}), and the steps of
 * the patch pipeline that work on it: decoding, resizing as Pillow does, and Pillow's grey conversion.
 * Never changed after construction.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width < 1 || height < 1 || rgb.length != 3 * width * height) {
            throw new IllegalArgumentException("an RGB image of " + width + " x " + height + " needs "
                    + 3L * width * height + " bytes, got " + rgb.length);
        }
    }

    /**
     * Decodes a JPEG or PNG file (colour, grey or palette; alpha is dropped) with the JDK's ImageIO.
     *
     * @throws IOException when the file cannot be read or is not a complete image ImageIO can decode
     */
    public static RgbImage read(Path file) throws IOException {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException("not an image ImageIO can read (JPEG, PNG): " + file);
            }
            ImageReader reader = readers.next();
            // A truncated or damaged JPEG decodes "successfully" with a warning and a grey remainder: refuse it.
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
            if (!warnings.isEmpty()) {
                throw new IOException("corrupt image " + file + ": " + warnings.get(0));
            }
        } catch (RuntimeException e) { // ImageIO's decoders throw unchecked exceptions on some corrupt files
            throw new IOException("cannot decode " + file + ": " + e, e);
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().contains(file.toString()) ? e
                    : new IOException("cannot decode " + file + ": " + e.getMessage(), e);
        }
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[3 * w * h];
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR
                && image.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte bytes
                && bytes.getNumBanks() == 1 && bytes.getData().length == rgb.length
                && image.getRaster().getSampleModelTranslateX() == 0 && image.getRaster().getSampleModelTranslateY() == 0) {
            // What ImageIO gives for colour JPEGs: BGR bytes, sRGB; getRGB would convert pixel by pixel (slow)
            byte[] bgr = bytes.getData();
            for (int i = 0; i < rgb.length; i += 3) {
                rgb[i] = bgr[i + 2];
                rgb[i + 1] = bgr[i + 1];
                rgb[i + 2] = bgr[i];
            }
            return new RgbImage(w, h, rgb);
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w); // any other colour model to sRGB
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return new RgbImage(w, h, rgb);
    }

    /**
     * Resized so that the shorter side is {@code shorter} (the longer one scaled and truncated, as
     * torchvision's Resize computes it), with Pillow's antialiased bilinear filter.
     */
    public RgbImage resizeShorterSide(int shorter) {
        int[] size = shorterSideSize(width, height, shorter);
        return resize(size[0], size[1]);
    }

    /** {width, height} of an image of this size resized so that its shorter side is {@code shorter}. */
    public static int[] shorterSideSize(int width, int height, int shorter) {
        return width <= height ? new int[] {shorter, (int) ((long) shorter * height / width)}
                : new int[] {(int) ((long) shorter * width / height), shorter};
    }

    /**
     * The {@code size x size} window at (left, top) of {@link #resize resize(newWidth, newHeight)}, byte for byte,
     * computing only that window: the horizontal pass on the source rows the window's vertical pass needs, for
     * its columns only. A random crop of a large image costs a fraction of resizing all of it.
     */
    public RgbImage resizedWindow(int newWidth, int newHeight, int left, int top, int size) {
        if (left < 0 || top < 0 || size < 1 || left + size > newWidth || top + size > newHeight) {
            throw new IllegalArgumentException("window " + size + " at (" + left + ", " + top + ") outside "
                    + newWidth + " x " + newHeight);
        }
        Coefficients cx = Coefficients.of(width, newWidth);
        Coefficients cy = Coefficients.of(height, newHeight);
        int y0 = cy.min[top];
        int y1 = 0;
        for (int yy = top; yy < top + size; yy++) {
            y1 = Math.max(y1, cy.min[yy] + cy.size[yy]);
        }
        byte[] horizontal = new byte[3 * size * (y1 - y0)]; // source rows y0..y1, the window's columns
        for (int y = y0; y < y1; y++) {
            for (int j = 0; j < size; j++) {
                int xx = left + j;
                int min = cx.min[xx];
                int[] kk = cx.kk[xx];
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int k = 0; k < cx.size[xx]; k++) {
                        ss += (rgb[3 * (y * width + min + k) + c] & 0xff) * kk[k];
                    }
                    horizontal[3 * ((y - y0) * size + j) + c] = (byte) clip8(ss);
                }
            }
        }
        byte[] out = new byte[3 * size * size];
        for (int i = 0; i < size; i++) {
            int yy = top + i;
            int min = cy.min[yy] - y0;
            int[] kk = cy.kk[yy];
            for (int j = 0; j < size; j++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int k = 0; k < cy.size[yy]; k++) {
                        ss += (horizontal[3 * ((min + k) * size + j) + c] & 0xff) * kk[k];
                    }
                    out[3 * (i * size + j) + c] = (byte) clip8(ss);
                }
            }
        }
        return new RgbImage(size, size, out);
    }

    /**
     * Pillow's {@code Image.resize((w, h), BILINEAR)} for 8-bit images: a separable triangle filter whose
     * support grows with the reduction factor (antialiasing), fixed-point coefficients of 22 bits, a
     * horizontal pass rounded to 8 bits, then a vertical pass.
     */
    public RgbImage resize(int newWidth, int newHeight) {
        if (newWidth < 1 || newHeight < 1) {
            throw new IllegalArgumentException("size must be positive, got " + newWidth + " x " + newHeight);
        }
        byte[] horizontal = new byte[3 * newWidth * height];
        Coefficients cx = Coefficients.of(width, newWidth);
        for (int y = 0; y < height; y++) {
            for (int xx = 0; xx < newWidth; xx++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    int min = cx.min[xx];
                    for (int k = 0; k < cx.size[xx]; k++) {
                        ss += (rgb[3 * (y * width + min + k) + c] & 0xff) * cx.kk[xx][k];
                    }
                    horizontal[3 * (y * newWidth + xx) + c] = (byte) clip8(ss);
                }
            }
        }
        byte[] out = new byte[3 * newWidth * newHeight];
        Coefficients cy = Coefficients.of(height, newHeight);
        for (int yy = 0; yy < newHeight; yy++) {
            int min = cy.min[yy];
            for (int x = 0; x < newWidth; x++) {
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int k = 0; k < cy.size[yy]; k++) {
                        ss += (horizontal[3 * ((min + k) * newWidth + x) + c] & 0xff) * cy.kk[yy][k];
                    }
                    out[3 * (yy * newWidth + x) + c] = (byte) clip8(ss);
                }
            }
        }
        return new RgbImage(newWidth, newHeight, out);
    }

    /**
     * Grey levels of the {@code size x size} window at (left, top), with Pillow's {@code convert("L")}:
     * L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, i.e. 0.299 R + 0.587 G + 0.114 B rounded.
     *
     * @param out receives size * size grey levels (0..255) at {@code offset}
     */
    public void greyWindow(int left, int top, int size, int[] out, int offset) {
        if (left < 0 || top < 0 || left + size > width || top + size > height) {
            throw new IllegalArgumentException("window " + size + " at (" + left + ", " + top + ") outside "
                    + width + " x " + height);
        }
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                int p = 3 * ((top + i) * width + left + j);
                out[offset + i * size + j] = ((rgb[p] & 0xff) * 19595 + (rgb[p + 1] & 0xff) * 38470
                        + (rgb[p + 2] & 0xff) * 7471 + 0x8000) >> 16;
            }
        }
    }

    static final int PRECISION_BITS = 32 - 8 - 2;

    static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (in <= 0) {
            return 0;
        }
        return in >> PRECISION_BITS;
    }

    /** Pillow's precompute_coeffs for the bilinear filter, in fixed point. */
    record Coefficients(int[] min, int[] size, int[][] kk) {
        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale; // the bilinear (triangle) filter has support 1
            int[] min = new int[outSize];
            int[] size = new int[outSize];
            int[][] kk = new int[outSize][];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.max((int) (center - support + 0.5), 0); // C's truncation, as Pillow's
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double[] k = new double[xmax];
                double ww = 0;
                for (int x = 0; x < xmax; x++) {
                    double w = triangle((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                int[] fixed = new int[xmax];
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0 ? k[x] / ww : k[x];
                    fixed[x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                min[xx] = xmin;
                size[xx] = xmax;
                kk[xx] = fixed;
            }
            return new Coefficients(min, size, kk);
        }

        private static double triangle(double x) {
            x = Math.abs(x);
            return x < 1 ? 1 - x : 0;
        }
    }
}
