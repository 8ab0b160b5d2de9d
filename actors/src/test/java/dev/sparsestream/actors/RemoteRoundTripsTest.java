package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RemoteRoundTripsTest {
    @Test
    void mediansAreOverTheLatestWindowOfBatches() {
        long before = RemoteRoundTrips.summary().batches();
        for (int i = 0; i < RemoteRoundTrips.WINDOW; i++) { // a window's worth replaces whatever came before
            RemoteRoundTrips.add(i < RemoteRoundTrips.WINDOW / 2 ? 1000 : 10 + (i % 3), 4);
        }
        for (int i = 0; i < RemoteRoundTrips.WINDOW / 2; i++) { // the 1000 ms half drops out
            RemoteRoundTrips.add(10 + (i % 3), 6);
        }
        var s = RemoteRoundTrips.summary();
        assertEquals(before + RemoteRoundTrips.WINDOW * 3L / 2, s.batches());
        assertEquals(11, s.roundTripMillis(), 1e-9);
        assertEquals(5, s.inferenceMillis(), 1e-9, "half 4 ms, half 6 ms");
        assertEquals(6, s.hopsMillis(), 1e-9);
    }
}
