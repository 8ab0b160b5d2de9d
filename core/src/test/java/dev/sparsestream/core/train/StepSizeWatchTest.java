package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StepSizeWatchTest {
    @Test
    void vdlNlsClimbIsNoticedOnceAtTheEpochItPassesFourTimesTheLowest() {
        // the measured VDL-NL run at lambda 0.02 (docs/full-length.md), epochs 1-26
        double[] steps = {2.24, 1.96, 1.92, 1.92, 1.89, 1.88, 1.92, 1.94, 1.95, 1.95, 1.98, 2.01, 2.19, 2.24, 2.46,
                2.66, 2.96, 3.23, 3.84, 4.43, 6.11, 9.27, 15.14, 32.05, 46.33, 51.53};
        StepSizeWatch w = new StepSizeWatch();
        int warnedAt = 0;
        for (int e = 1; e <= steps.length; e++) {
            String m = w.observe(e, steps[e - 1], 0.5);
            if (m != null) {
                assertTrue(warnedAt == 0, "said once");
                warnedAt = e;
                assertTrue(m.contains("epoch 23") && m.contains("1.9 in epoch 6") && m.contains("--eta"), m);
            }
        }
        assertTrue(warnedAt == 23, "warned at epoch " + warnedAt);
    }

    @Test
    void steadyOrFewStepsAreNotWarnedAbout() {
        StepSizeWatch w = new StepSizeWatch();
        // VDL's steady 20 steps; SDL's fall to 0.2 and a rise to 3 (four times, but below the floor)
        for (int e = 1; e <= 200; e++) {
            assertNull(w.observe(e, 20 + Math.sin(e), 0.5));
        }
        StepSizeWatch sdl = new StepSizeWatch();
        assertNull(sdl.observe(1, 30, 1));
        assertNull(sdl.observe(2, 0.2, 1));
        assertNull(sdl.observe(3, 3, 1));
        assertNull(sdl.observe(4, Double.NaN, 1));
        assertNotNull(sdl.observe(5, 12, 1));
    }
}
