package dev.sparsestream.core.data;

import java.nio.file.Path;

/**
 * Outcome of {@link MnistFetcher#fetch}.
 *
 * @param alreadyPresent true when all four files were already present with the right checksums and
 *                       nothing was downloaded
 * @param dir            the MNIST directory that now holds the files
 */
public record FetchResult(boolean alreadyPresent, Path dir) {
}
