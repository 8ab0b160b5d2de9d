package dev.sparsestream.core.data;

/**
 * The content of an IDX3 unsigned-byte image file.
 *
 * <p>The record keeps the array it is given (no defensive copy: the MNIST training images are 47 MB);
 * callers must not mutate {@code pixels} afterwards.
 *
 * @param count  number of images (&gt; 0)
 * @param rows   rows per image (&gt; 0)
 * @param cols   columns per image (&gt; 0)
 * @param pixels {@code count * rows * cols} unsigned bytes (read with {@code & 0xFF}), image after
 *               image, each row-major
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

    /** Validates that the dimensions are positive and agree with the pixel array's length. */
    public IdxImages {
        if (count <= 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(
                    "count, rows and cols must be positive, got " + count + ", " + rows + ", " + cols);
        }
        if (pixels == null || pixels.length != (long) count * rows * cols) {
            throw new IllegalArgumentException("pixels must hold count*rows*cols = "
                    + (long) count * rows * cols + " bytes, got "
                    + (pixels == null ? "null" : String.valueOf(pixels.length)));
        }
    }

    /** @return {@code rows * cols}, the number of pixels in one image */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /**
     * @param image image index, 0-based
     * @param row   row, 0-based
     * @param col   column, 0-based
     * @return the pixel value in 0..255
     */
    public int pixel(int image, int row, int col) {
        java.util.Objects.checkIndex(image, count);
        java.util.Objects.checkIndex(row, rows);
        java.util.Objects.checkIndex(col, cols);
        return pixels[(image * rows + row) * cols + col] & 0xFF;
    }
}
