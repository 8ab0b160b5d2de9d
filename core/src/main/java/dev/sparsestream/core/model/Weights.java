package dev.sparsestream.core.model;

import java.util.List;

/**
 * One version of a model's parameters as plain arrays, in {@link SparseAutoencoder#parameterNames()}
 * order: what the learner broadcasts to inference workers and what a snapshot stores. Immutable by
 * contract: the arrays are copies made for this record and are never written after construction.
 *
 * @param version the number of updates applied to produce these weights (0 = initial)
 * @param names   parameter names (U, S, b, then W or W1, b1, W2)
 * @param values  each parameter row-major, as laid out in its matrix
 */
public record Weights(long version, List<String> names, float[][] values) {
    public Weights {
        names = List.copyOf(names);
        if (names.size() != values.length) {
            throw new IllegalArgumentException(names.size() + " names but " + values.length + " arrays");
        }
    }

    /** Total number of floats. */
    public long size() {
        long n = 0;
        for (float[] v : values) {
            n += v.length;
        }
        return n;
    }
}
