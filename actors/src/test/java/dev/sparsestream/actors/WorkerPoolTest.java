package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The learner's worker bookkeeping, with strings for workers: no actor system. */
class WorkerPoolTest {

    @Test
    void aNewWorkerNeedsTheModelThenOnlyTheVersionsItLacks() {
        WorkerPool<String> pool = new WorkerPool<>();
        assertTrue(pool.join("a"));
        assertFalse(pool.join("a"), "joining twice is one member");
        assertEquals(1, pool.size());
        assertEquals("a", pool.takeIdle());
        assertEquals(WorkerPool.NO_MODEL, pool.assign("a", 0, 0));
        assertFalse(pool.hasIdle(), "busy with batch 0");
        pool.answered("a", 0);
        assertEquals("a", pool.takeIdle());
        assertEquals(0, pool.assign("a", 1, 1), "it holds version 0 and is sent version 1");
        pool.answered("a", 1);
        assertEquals(1, pool.assign(pool.takeIdle(), 2, 1), "already holds version 1: nothing to send");
    }

    @Test
    void idleWorkersAreTakenOldestFirst() {
        WorkerPool<String> pool = new WorkerPool<>();
        pool.join("a");
        pool.join("b");
        pool.join("c");
        assertEquals("a", pool.takeIdle());
        pool.assign("a", 0, 0);
        pool.answered("a", 0);
        assertEquals("b", pool.takeIdle());
        assertEquals("c", pool.takeIdle());
        assertEquals("a", pool.takeIdle());
        assertFalse(pool.hasIdle());
    }

    @Test
    void aLateAnswerForAnEarlierBatchLeavesTheWorkerBusyWithItsCurrentOne() {
        WorkerPool<String> pool = new WorkerPool<>();
        pool.join("a");
        pool.assign(pool.takeIdle(), 5, 0);
        assertEquals(java.util.List.of(5L), pool.restarted("a"), "the batch it held is lost with the restart");
        assertEquals(WorkerPool.NO_MODEL, pool.assign(pool.takeIdle(), 6, 1), "a restarted worker holds no model");
        pool.answered("a", 5); // the old instance's answer, arriving late
        assertFalse(pool.hasIdle(), "still working on batch 6");
        pool.answered("a", 6);
        assertTrue(pool.hasIdle());
    }

    @Test
    void aDeeperWorkerTakesASecondBatchOnlyWhenNoWorkerIsIdleAndGivesBothBackInOrder() {
        WorkerPool<String> pool = new WorkerPool<>(w -> w.startsWith("remote") ? 2 : 1);
        pool.join("remote");
        pool.join("local");
        assertEquals("remote", pool.takeIdle());
        pool.assign("remote", 0, 0);
        assertEquals("local", pool.takeIdle(), "the idle worker first");
        pool.assign("local", 1, 0);
        assertTrue(pool.hasIdle(), "the remote worker has room for a second");
        assertEquals("remote", pool.takeIdle());
        assertEquals(0, pool.assign("remote", 2, 0), "it holds version 0");
        assertFalse(pool.hasIdle(), "both full");
        pool.answered("remote", 0);
        assertEquals("remote", pool.takeIdle(), "room again, still busy with batch 2");
        pool.assign("remote", 3, 1);
        assertEquals(java.util.List.of(2L, 3L), pool.leave("remote"), "both its batches, in order");
        pool.answered("local", 1);
        assertEquals("local", pool.takeIdle());
    }

    @Test
    void aWorkerThatLeavesGivesBackItsBatchAndIsForgotten() {
        WorkerPool<String> pool = new WorkerPool<>();
        pool.join("a");
        pool.join("b");
        pool.assign(pool.takeIdle(), 3, 0);
        assertEquals(java.util.List.of(3L), pool.leave("a"));
        assertTrue(pool.leave("a").isEmpty(), "already gone");
        assertTrue(pool.leave("b").isEmpty(), "b held no batch");
        assertEquals(0, pool.size());
        assertFalse(pool.hasIdle());
        pool.answered("a", 3); // an answer from a worker no longer in the pool changes nothing
        assertFalse(pool.hasIdle());
        assertThrows(IllegalArgumentException.class, () -> pool.assign("a", 4, 0));
        assertFalse(pool.contains("a"), "a failed assignment adds no member");
    }

    @Test
    void aListingAddsNewWorkersAndNamesThoseNoLongerListed() {
        WorkerPool<String> pool = new WorkerPool<>();
        pool.join("announced"); // announced itself before the receptionist listed it
        var first = pool.relist(Set.of("announced", "b"));
        assertEquals(List.of("b"), first.joined());
        assertEquals(List.of(), first.gone());
        var second = pool.relist(Set.of("b"));
        assertEquals(List.of(), second.joined());
        assertEquals(List.of("announced"), second.gone(), "listed before, not now: unreachable or stopped");
        assertTrue(pool.contains("announced"), "the caller removes it (and gets its batch back)");
        pool.leave("announced");
        assertEquals(List.of("b"), pool.relist(Set.of()).gone(), "a worker already removed is not named again");
    }
}
