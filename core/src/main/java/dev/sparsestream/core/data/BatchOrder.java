package dev.sparsestream.core.data;

import java.util.SplittableRandom;

/**
 * Seeded minibatch order: every epoch a fresh uniform permutation of the n samples, cut into
 * {@code n / batchSize} batches; the last incomplete batch is dropped (as PyTorch's
 * {@code DataLoader(shuffle=True, drop_last=True)} in the reference code).
 *
 * <p>The permutation of an epoch depends only on {@code (seed, epoch)}, not on earlier epochs, so a
 * run resumed at epoch e reproduces exactly the order it would have seen without replaying epochs
 * 0..e-1. Batch {@code b} of an epoch is {@code permutation(epoch)[b*batchSize .. (b+1)*batchSize)}.
 *
 * <p>Orders are reproducible across runs and JVMs: {@link SplittableRandom}'s algorithm (SplitMix64)
 * is fixed by its specification since Java 8; a unit test pins a few values.
 */
public final class BatchOrder {

    private final int n;
    private final int batchSize;
    private final long seed;

    /**
     * @param n         number of samples, &gt;= batchSize
     * @param batchSize samples per batch, &gt;= 1
     * @param seed      seed of the whole run
     * @throws IllegalArgumentException if {@code batchSize < 1} or {@code n < batchSize} (no complete
     *                                  batch)
     */
    public BatchOrder(int n, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (n < batchSize) {
            throw new IllegalArgumentException("n = " + n + " samples is fewer than one batch of " + batchSize
                    + " (the last incomplete batch is dropped, so an epoch would be empty)");
        }
        this.n = n;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** @return number of samples */
    public int n() {
        return n;
    }

    /** @return samples per batch */
    public int batchSize() {
        return batchSize;
    }

    /** @return the run's seed */
    public long seed() {
        return seed;
    }

    /** @return {@code n / batchSize}: complete batches per epoch (the remainder is dropped) */
    public int batchesPerEpoch() {
        return n / batchSize;
    }

    /**
     * A Fisher-Yates shuffle of {@code 0..n-1} determined only by {@code (seed, epoch)}.
     *
     * @param epoch epoch number, &gt;= 0
     * @return a fresh array; batch b is entries {@code [b*batchSize, (b+1)*batchSize)}
     */
    public int[] permutation(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        SplittableRandom rnd = new SplittableRandom(mix(seed, epoch));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Hashes (seed, epoch) into a generator seed. Plain {@code seed + epoch} would not do: SplittableRandom
     * seeded with s and with s + its internal increment produce the same stream shifted by one, so
     * nearby seeds must be scrambled first.
     */
    static long mix(long seed, int epoch) {
        return mix64(mix64(seed) ^ mix64(0x9E3779B97F4A7C15L * (epoch + 1L)));
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser (as in SplitMix64): a bijection on longs. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
