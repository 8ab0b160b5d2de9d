package dev.sparsestream.actors;

import java.util.Arrays;

/**
 * How long the batches sent to workers on other nodes took to come back, and how much of that the worker spent
 * on them (gathering the rows, FISTA, the encoder pass): the rest is the two messages' way across and their waits
 * for a thread, the hop time of the cluster's scaling model (docs/cluster.md). Kept for the whole JVM, as
 * {@code ProtocolTraffic} is (one learner per JVM), over the last {@link #WINDOW} remote batches.
 */
public final class RemoteRoundTrips {
    /** Remote batches the medians are taken over: the latest ones. */
    public static final int WINDOW = 4096;

    /** Remote batches since the JVM started, and medians over the window, in milliseconds. */
    public record Summary(long batches, double roundTripMillis, double inferenceMillis) {
        /** Round trip less compute: both messages' transfer and their waits. */
        public double hopsMillis() {
            return roundTripMillis - inferenceMillis;
        }
    }

    private static final double[] ROUND_TRIP = new double[WINDOW];
    private static final double[] INFERENCE = new double[WINDOW];
    private static long count; // guarded by the class

    private RemoteRoundTrips() {
    }

    /** One remote batch: sent to its answer on the learner's clock, and the worker's own time for it. */
    public static synchronized void add(double roundTripMillis, double inferenceMillis) {
        int i = (int) (count % WINDOW);
        ROUND_TRIP[i] = roundTripMillis;
        INFERENCE[i] = inferenceMillis;
        count++;
    }

    public static synchronized Summary summary() {
        int n = (int) Math.min(count, WINDOW);
        return new Summary(count, median(ROUND_TRIP, n), median(INFERENCE, n));
    }

    private static double median(double[] values, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        double[] v = Arrays.copyOf(values, n);
        Arrays.sort(v);
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
