package dev.sparsestream.core.data;

/**
 * MNIST as the paper uses it (see {@link MnistData#load}).
 *
 * @param train the 55,000 training-split images, in split-file order, normalised, labelled
 * @param val   the 5,000 validation-split images, in split-file order, normalised, labelled
 * @param test  the 10,000 t10k images, in file order, normalised, labelled
 */
public record MnistSplits(Dataset train, Dataset val, Dataset test) {
}
