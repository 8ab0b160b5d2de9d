package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.protocol.Batch;
import dev.sparsestream.protocol.LearnerCommand.CodesComputed;
import org.junit.jupiter.api.Test;

/** The batches between the source and the update, and the staleness rule, with strings for workers. */
class InFlightWindowTest {
    static final FistaParams PARAMS = new FistaParams(0.01, 0, 0.5, 0, 0.5, 200, 1e-3);

    static Batch batch(long seq) {
        return new Batch(seq, 1, (int) seq, 100, 1, 2, new float[2], null);
    }

    static CodesComputed codes(long seq, long version) {
        return new CodesComputed(seq, version, 1, 3, new float[3], null, 1, 1, null);
    }

    /** Sends every batch the window allows, to worker "w", at the given version; returns how many. */
    static int sendAll(InFlightWindow<String> w, long version) {
        int n = 0;
        while (w.canSend()) {
            w.send(PARAMS, version, "w" + n++);
        }
        return n;
    }

    @Test
    void atMostCapacityBatchesAreOutAndOneMoreIsKeptReady() {
        InFlightWindow<String> w = new InFlightWindow<>(2, 1, 0);
        for (long s = 0; w.wantsMore(); s++) {
            w.offer(batch(s));
        }
        assertEquals(2, sendAll(w, 0), "K + 1 = 2 out at once");
        assertEquals(2, w.inFlight());
        assertFalse(w.wantsMore(), "two out and one pending: the source waits");
        assertTrue(w.complete(codes(1, 0), "w1"));
        assertFalse(w.canSend(), "batch 1 is inferred but waits for batch 0: it still counts");
        assertNull(w.takeNext(0), "batch 0 first");
        assertTrue(w.complete(codes(0, 0), "w0"));
        assertEquals(0, w.takeNext(0).dispatch().batch().seq());
        assertEquals(1, w.takeNext(1).dispatch().batch().seq(), "one version behind: within K = 1");
        assertNull(w.takeNext(2));
        assertEquals(2, w.nextApply());
        assertTrue(w.canSend());
    }

    @Test
    void theOldestUsableVersionIsAcceptedWhenItsBatchIsAppliedAndOneOlderIsNot() {
        // K = 2, three out: batch s is applied at version v + (s - nextApply), so it may be inferred with any
        // version from that minus K on. Check the rule against takeNext, the check at application.
        for (long older : new long[]{0, 1}) {
            InFlightWindow<String> w = new InFlightWindow<>(3, 2, 10);
            for (long s = 10; s < 13; s++) {
                w.offer(batch(s));
            }
            long v = 20;
            w.send(PARAMS, v, "a");                         // 10, applied at 20
            w.send(PARAMS, v, "b");                         // 11, applied at 21
            long oldest = w.oldestUsableVersion(v);         // 12, applied at 22: from 20 on
            assertEquals(v + 2 - 2, oldest);
            w.send(PARAMS, oldest - older, "c");
            assertTrue(w.complete(codes(10, v), "a"));
            assertTrue(w.complete(codes(11, v), "b"));
            assertTrue(w.complete(codes(12, oldest - older), "c"));
            assertNotNull(w.takeNext(v));
            assertNotNull(w.takeNext(v + 1));
            if (older == 0) {
                assertNotNull(w.takeNext(v + 2), "the oldest usable version is used");
            } else {
                assertNull(w.takeNext(v + 2), "one version older is inferred again");
            }
        }
    }

    @Test
    void codesMoreThanKVersionsOldAreInferredAgain() {
        InFlightWindow<String> w = new InFlightWindow<>(2, 1, 0);
        w.offer(batch(0));
        w.offer(batch(1));
        sendAll(w, 0);
        w.complete(codes(0, 0), "w0");
        w.complete(codes(1, 0), "w1");
        assertNotNull(w.takeNext(0));
        // Applied at version 2, codes of version 0 would be two versions old.
        assertNull(w.takeNext(2));
        assertEquals(1, w.nextApply(), "the cursor stays on the stale batch");
        var again = w.send(PARAMS, 2, "w9");
        assertEquals(1, again.batch().seq(), "back at the front of the queue");
        w.complete(codes(1, 2), "w9");
        assertEquals(1, w.takeNext(2).dispatch().batch().seq());
    }

    @Test
    void aLostBatchGoesFirstAndALateAnswerForItIsIgnored() {
        InFlightWindow<String> w = new InFlightWindow<>(2, 1, 0);
        w.offer(batch(0));
        w.offer(batch(1));
        w.offer(batch(2));
        w.send(PARAMS, 0, "a");
        w.send(PARAMS, 0, "b");
        w.requeue(0); // a's worker died
        var resent = w.send(PARAMS, 0, "c");
        assertEquals(0, resent.batch().seq());
        assertFalse(w.complete(codes(0, 0), "a"), "the dead worker's late answer");
        assertTrue(w.complete(codes(0, 0), "c"));
        assertFalse(w.complete(codes(0, 0), "c"), "answered once, applied once");
        assertSame(resent, w.takeNext(0).dispatch());
    }

    @Test
    void aResumedSourceStartingBeforeTheCursorIsSkippedAndAStopDropsWhatWasNotSent() {
        InFlightWindow<String> w = new InFlightWindow<>(1, 0, 5);
        w.offer(batch(4));
        assertTrue(w.isEmpty(), "batch 4 was applied before the snapshot");
        w.offer(batch(5));
        w.offer(batch(6));
        w.send(PARAMS, 7, "a");
        w.dropPending();
        assertFalse(w.canSend());
        assertEquals(1, w.inFlight());
        w.complete(codes(5, 7), "a");
        assertNotNull(w.takeNext(7));
        assertTrue(w.isEmpty());
        assertThrows(IllegalStateException.class, () -> w.send(PARAMS, 8, "a"));
        assertThrows(IllegalArgumentException.class, () -> new InFlightWindow<String>(0, 0, 0));
    }
}
