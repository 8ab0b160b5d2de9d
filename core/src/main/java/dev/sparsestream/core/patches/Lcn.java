package dev.sparsestream.core.patches;

/**
 * Local contrast normalisation of a batch of grey 52 x 52 crops into 28 x 28 patches, as the paper's
 * reference code does it (docs/method.md, "Natural-image patches"). With K the 13 x 13 Gaussian kernel
 * (sigma 5, normalised to sum 1) and valid convolutions:
 * <pre>
 *   m = K * x                     (40, 40)   local mean
 *   c = x[6:-6, 6:-6] - m         (40, 40)   centred
 *   v = K * c^2                   (28, 28)   local variance; s = sqrt(v)
 *   s = s where s > mean(s over the whole batch) else that mean; s = max(s, 1e-4)
 *   patch = c[6:-6, 6:-6] / s     (28, 28)
 * </pre>
 * The maps kept with each patch are m[6:-6, 6:-6] and s (28 x 28 each): patch * s + m undoes LCN.
 * The Gaussian is separable, so each convolution is a row pass then a column pass (26 multiply-adds
 * per output instead of 169).
 */
public final class Lcn {
    public static final int CROP = 52;
    public static final int PATCH = 28;
    public static final int KERNEL = 13;
    public static final double SIGMA = 5;
    /** Floor of the local standard deviation. */
    public static final double MIN_STD = 1e-4;
    private static final int MID = CROP - KERNEL + 1; // 40
    private static final int R = KERNEL / 2;         // 6

    private static final double[] G = kernel1d();

    private Lcn() {
    }

    /** The 1-D Gaussian g (13), normalised to sum 1, so that the 2-D kernel g g^T sums to 1 too. */
    public static double[] kernel1d() {
        double[] g = new double[KERNEL];
        double sum = 0;
        for (int i = 0; i < KERNEL; i++) {
            double x = i - R;
            g[i] = Math.exp(-x * x / (2 * SIGMA * SIGMA));
            sum += g[i];
        }
        for (int i = 0; i < KERNEL; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /** Buffers for one crop, so that a batch allocates nothing per crop. */
    public static final class Workspace {
        private final double[] x = new double[CROP * CROP];   // (52, 52) the crop
        private final double[] rows = new double[CROP * MID]; // (52, 40) after the row pass
        private final double[] m = new double[MID * MID];     // (40, 40)
        private final double[] c = new double[MID * MID];     // (40, 40)
        private final double[] c2 = new double[MID * MID];    // (40, 40)
        private final double[] rows2 = new double[MID * PATCH];
        private final double[] v = new double[PATCH * PATCH];
    }

    /**
     * LCN of {@code count} crops.
     *
     * @param crops (count, 52 * 52) grey, normalised; not changed
     * @param patch (count, 784) out: the patches
     * @param mean  (count, 784) out: m[6:-6, 6:-6]
     * @param std   (count, 784) out: s after the batch-mean floor
     */
    public static void apply(float[] crops, int count, float[] patch, float[] mean, float[] std, Workspace ws) {
        int d = PATCH * PATCH;
        if (crops.length < count * CROP * CROP || patch.length < count * d || mean.length < count * d
                || std.length < count * d) {
            throw new IllegalArgumentException("buffers too small for " + count + " crops");
        }
        // Pass 1: per crop, the centred values c (kept as patches' numerators) and the raw local std s.
        double sSum = 0;
        for (int b = 0; b < count; b++) {
            int xo = b * CROP * CROP;
            for (int k = 0; k < CROP * CROP; k++) {
                ws.x[k] = crops[xo + k];
            }
            convolve(ws.x, CROP, ws.rows, ws.m);               // m = K * x       (40, 40)
            for (int i = 0; i < MID; i++) {
                for (int j = 0; j < MID; j++) {
                    double c = ws.x[(i + R) * CROP + j + R] - ws.m[i * MID + j];
                    ws.c[i * MID + j] = c;
                    ws.c2[i * MID + j] = c * c;
                }
            }
            convolve(ws.c2, MID, ws.rows2, ws.v);               // v = K * c^2     (28, 28)
            int o = b * d;
            for (int i = 0; i < PATCH; i++) {
                for (int j = 0; j < PATCH; j++) {
                    int p = i * PATCH + j;
                    double s = Math.sqrt(Math.max(0, ws.v[p]));
                    sSum += s;
                    std[o + p] = (float) s;
                    // Numerator and mean map for now; divided once the batch mean of s is known.
                    patch[o + p] = (float) ws.c[(i + R) * MID + j + R];
                    mean[o + p] = (float) ws.m[(i + R) * MID + j + R];
                }
            }
        }
        double sMean = sSum / ((double) count * d);
        // Pass 2: the floor and the division.
        for (int k = 0; k < count * d; k++) {
            double s = std[k] > sMean ? std[k] : sMean;
            s = Math.max(s, MIN_STD);
            std[k] = (float) s;
            patch[k] = (float) (patch[k] / s);
        }
    }

    /**
     * Valid 2-D convolution with g g^T of the n x n image {@code in}: a row pass into {@code rows}
     * (n, n - 12), then a column pass into {@code out} (n - 12, n - 12).
     */
    private static void convolve(double[] in, int n, double[] rows, double[] out) {
        int w = n - KERNEL + 1;
        for (int i = 0; i < n; i++) {
            int base = i * n;
            for (int j = 0; j < w; j++) {
                double acc = 0;
                for (int k = 0; k < KERNEL; k++) {
                    acc += G[k] * in[base + j + k];
                }
                rows[i * w + j] = acc;
            }
        }
        columns(rows, w, out);
    }

    /** out[i, j] = sum_k g[k] rows[i + k, j]; rows is (w + 12, w). */
    private static void columns(double[] rows, int w, double[] out) {
        for (int i = 0; i < w; i++) {
            for (int j = 0; j < w; j++) {
                double acc = 0;
                for (int k = 0; k < KERNEL; k++) {
                    acc += G[k] * rows[(i + k) * w + j];
                }
                out[i * w + j] = acc;
            }
        }
    }

    /** Unbiased standard deviation of the 784 values of patch {@code index}: the keep-rule's statistic. */
    public static double pixelStd(float[] patches, int index) {
        int d = PATCH * PATCH;
        int o = index * d;
        double mean = 0;
        for (int p = 0; p < d; p++) {
            mean += patches[o + p];
        }
        mean /= d;
        double ss = 0;
        for (int p = 0; p < d; p++) {
            double c = patches[o + p] - mean;
            ss += c * c;
        }
        return Math.sqrt(ss / (d - 1));
    }
}
