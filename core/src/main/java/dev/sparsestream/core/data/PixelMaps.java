package dev.sparsestream.core.data;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Per-sample, per-value maps from a data set's normalised space back to pixel space:
 * {@code pixel_ip = scale_ip * x_ip + offset_ip}. Natural-image patches need them because local contrast
 * normalisation divides every patch by its own std map s and subtracts its own mean map m
 * (docs/method.md, "Natural-image patches"): with the grey normalisation on top,
 * {@code pixel = 0.259 (x s + m) + 0.457}, so {@code scale = 0.259 s} and {@code offset = 0.259 m + 0.457}.
 * Data sets without maps use their {@link Normalisation}, the same for every sample.
 *
 * <p>Like {@link Dataset}, the arrays are kept, not copied, and never handed out.
 */
public final class PixelMaps {
    private final float[] scale;
    private final float[] offset;
    private final int n;
    private final int d;

    /**
     * @param scale  (n, d) row-major, finite and &gt; 0; kept, must not be mutated afterwards
     * @param offset (n, d) row-major, finite; kept, must not be mutated afterwards
     */
    public PixelMaps(float[] scale, float[] offset, int n, int d) {
        Objects.requireNonNull(scale, "scale");
        Objects.requireNonNull(offset, "offset");
        if (scale.length != (long) n * d || offset.length != scale.length) {
            throw new IllegalArgumentException("pixel maps of " + n + " x " + d + " need " + (long) n * d
                    + " values each, got " + scale.length + " and " + offset.length);
        }
        for (int i = 0; i < scale.length; i++) {
            if (!(scale[i] > 0) || !Float.isFinite(scale[i]) || !Float.isFinite(offset[i])) {
                throw new IllegalArgumentException("pixel maps: sample " + i / d + ", value " + i % d + " has scale "
                        + scale[i] + " and offset " + offset[i] + " (the scale must be finite and > 0)");
            }
        }
        this.scale = scale;
        this.offset = offset;
        this.n = n;
        this.d = d;
    }

    /** Maps for patches: {@code scale = std.std * s}, {@code offset = std.std * m + std.mean}, computed in place. */
    public static PixelMaps afterLcn(float[] lcnMean, float[] lcnStd, int n, int d, Normalisation grey) {
        for (int i = 0; i < lcnStd.length; i++) {
            lcnStd[i] = (float) (grey.std() * lcnStd[i]);
            lcnMean[i] = (float) (grey.std() * lcnMean[i] + grey.mean());
        }
        return new PixelMaps(lcnStd, lcnMean, n, d);
    }

    public int size() {
        return n;
    }

    public int dim() {
        return d;
    }

    public float scale(int i, int j) {
        return scale[Objects.checkIndex(i, n) * d + Objects.checkIndex(j, d)];
    }

    public float offset(int i, int j) {
        return offset[Objects.checkIndex(i, n) * d + Objects.checkIndex(j, d)];
    }

    /** Scales of rows {@code indices[from .. from+count)} into {@code dest[0 .. count*d)}. */
    public void copyScaleRows(int[] indices, int from, int count, float[] dest) {
        Objects.checkFromIndexSize(from, count, indices.length);
        Objects.checkFromIndexSize(0, count * d, dest.length);
        for (int r = 0; r < count; r++) {
            System.arraycopy(scale, Objects.checkIndex(indices[from + r], n) * d, dest, r * d, d);
        }
    }

    /** Scales of the contiguous rows {@code from .. from+count)} into {@code dest[0 .. count*d)}. */
    public void copyScaleRows(int from, int count, float[] dest) {
        Objects.checkFromIndexSize(from, count, n);
        System.arraycopy(scale, from * d, dest, 0, count * d);
    }

    /** Writes {@code scale * x + offset} of row {@code i} (x from {@code values}, d values) into {@code dest}. */
    public void toPixels(int i, FloatBuffer values, float[] dest) {
        int o = Objects.checkIndex(i, n) * d;
        for (int j = 0; j < d; j++) {
            dest[j] = scale[o + j] * values.get(j) + offset[o + j];
        }
    }

    PixelMaps head(int count) {
        return new PixelMaps(Arrays.copyOf(scale, count * d), Arrays.copyOf(offset, count * d), count, d);
    }

    PixelMaps select(int[] indices) {
        float[] s = new float[Math.multiplyExact(indices.length, d)];
        float[] o = new float[s.length];
        for (int r = 0; r < indices.length; r++) {
            int src = Objects.checkIndex(indices[r], n) * d;
            System.arraycopy(scale, src, s, r * d, d);
            System.arraycopy(offset, src, o, r * d, d);
        }
        return new PixelMaps(s, o, indices.length, d);
    }
}
