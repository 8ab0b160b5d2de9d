package dev.sparsestream.core.data;

import java.util.Objects;

/**
 * A data set as training uses it: train, validation and test splits of the same dimension.
 * MNIST: {@link MnistData#load}; natural-image patches: {@link PatchData#load}; users' arrays:
 * {@link VectorData#load}.
 *
 * @param train the training split
 * @param val   the validation split (early stopping)
 * @param test  the test split (the figures reported for the best model)
 */
public record Splits(Dataset train, Dataset val, Dataset test) {
    public Splits {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(val, "val");
        Objects.requireNonNull(test, "test");
        if (val.dim() != train.dim() || test.dim() != train.dim()) {
            throw new IllegalArgumentException("splits of different dimensions: train " + train.dim() + ", validation "
                    + val.dim() + ", test " + test.dim());
        }
    }
}
