package dev.sparsestream.protocol;

/**
 * A minibatch of the training stream. Immutable by contract: {@code data} is filled once by the source
 * and never written afterwards, so it can be shared between actors and sent across the cluster.
 *
 * @param seq             the batch's number in the whole run, 0-based: (epoch - 1) * batchesPerEpoch + index
 * @param epoch           1-based
 * @param index           0-based position in its epoch
 * @param batchesPerEpoch batches in every epoch (the last incomplete one is dropped)
 * @param rows            samples in the batch
 * @param dim             values per sample
 * @param data            (rows, dim) row-major, in the model's normalised space
 * @param pixelScale      (rows, dim) per-sample scales back to pixel space, for PSNR (natural-image patches, see
 *                        {@code PixelMaps}); null where the model's normalisation is the same for every sample
 * @param sampleIndices   (rows) the training set's rows this batch holds, in order, so that a worker on a node that
 *                        reads the same training set can be sent these instead of the pixels; null where unknown
 */
public record Batch(long seq, int epoch, int index, int batchesPerEpoch, int rows, int dim, float[] data,
                    float[] pixelScale, int[] sampleIndices) {
    public Batch {
        if (data.length != (long) rows * dim) {
            throw new IllegalArgumentException("batch " + seq + ": " + data.length + " values for " + rows + " x " + dim);
        }
        if (pixelScale != null && pixelScale.length != data.length) {
            throw new IllegalArgumentException("batch " + seq + ": " + pixelScale.length + " pixel scales for " + rows
                    + " x " + dim);
        }
        if (sampleIndices != null && sampleIndices.length != rows) {
            throw new IllegalArgumentException("batch " + seq + ": " + sampleIndices.length + " sample indices for "
                    + rows + " rows");
        }
        if (epoch < 1 || index < 0 || index >= batchesPerEpoch) {
            throw new IllegalArgumentException("batch " + seq + ": epoch " + epoch + ", index " + index + " of "
                    + batchesPerEpoch);
        }
    }

    /** A batch of data without per-sample pixel maps. */
    public Batch(long seq, int epoch, int index, int batchesPerEpoch, int rows, int dim, float[] data) {
        this(seq, epoch, index, batchesPerEpoch, rows, dim, data, null, null);
    }

    /** A batch whose rows in the training set are not known. */
    public Batch(long seq, int epoch, int index, int batchesPerEpoch, int rows, int dim, float[] data,
                 float[] pixelScale) {
        this(seq, epoch, index, batchesPerEpoch, rows, dim, data, pixelScale, null);
    }

    /** Whether this batch ends its epoch. */
    public boolean lastOfEpoch() {
        return index == batchesPerEpoch - 1;
    }
}
