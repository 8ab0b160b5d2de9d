package dev.sparsestream.core.data;

/**
 * Affine pixel normalisation {@code x = (p/255 - mean) / std}, as torchvision's
 * {@code ToTensor} followed by {@code Normalize(mean, std)}.
 *
 * <p>The paper's hyperparameters (lambda, beta, step sizes) and its PSNR figures are only comparable
 * under the exact normalisation of the reference code, hence a named constant rather than statistics
 * recomputed from the data.
 *
 * @param mean mean subtracted in pixel space [0, 1]; finite
 * @param std  divisor; finite and &gt; 0
 */
public record Normalisation(double mean, double std) {

    /** MNIST: {@code (p/255 - 0.1307) / 0.3081} (docs/method.md, "Shapes and data"). */
    public static final Normalisation MNIST = new Normalisation(0.1307, 0.3081);

    /** Validates that mean is finite and std finite and positive. */
    public Normalisation {
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("mean must be finite, got " + mean);
        }
        if (!Double.isFinite(std) || !(std > 0)) {
            throw new IllegalArgumentException("std must be finite and > 0, got " + std);
        }
    }

    /**
     * Normalises one 8-bit pixel.
     *
     * @param pixelByte the pixel, 0..255; a raw (signed) Java {@code byte} in -128..-1 is also accepted
     *                  and read as unsigned, so IDX bytes can be passed without masking
     * @return {@code (p/255 - mean) / std}, computed in double and rounded once to float
     * @throws IllegalArgumentException if {@code pixelByte} is outside -128..255
     */
    public float normalise(int pixelByte) {
        if (pixelByte < -128 || pixelByte > 255) {
            throw new IllegalArgumentException("pixel byte must be in 0..255, got " + pixelByte);
        }
        int p = pixelByte & 0xFF;
        return (float) ((p / 255.0 - mean) / std);
    }

    /**
     * Maps a normalised value back to pixel space, where a valid pixel lies in [0, 1]. No clamping:
     * PSNR is computed on unclamped reconstructions (docs/method.md, "Metrics").
     *
     * @param x normalised value
     * @return {@code std * x + mean}
     */
    public double toPixel(double x) {
        return std * x + mean;
    }

    /**
     * @return a 256-entry table, entry {@code p} = {@link #normalise(int) normalise(p)}; converting a
     *         whole data set through the table is a load and a store per pixel
     */
    public float[] lookupTable() {
        float[] t = new float[256];
        for (int p = 0; p < 256; p++) {
            t[p] = normalise(p);
        }
        return t;
    }
}
