package dev.sparsestream.actors;

import dev.sparsestream.protocol.Snapshot;
import dev.sparsestream.protocol.SnapshotFiles;
import java.nio.file.Path;

/**
 * The learner's clock and counters: the running epoch's time (pauses excluded), the batches applied, when
 * a periodic snapshot is due, and the last snapshot written.
 */
final class RunProgress {
    private long epochStart = System.nanoTime(); // when the running epoch's first batch could be sent out
    private long pausedAt = -1;                  // System.nanoTime() of the pause; -1: not paused
    private long applied;
    private long sinceSnapshot;
    private Path lastSnapshot;
    private long lastSnapshotMillis;
    private String lastSnapshotReason;

    void pause() {
        if (pausedAt < 0) {
            pausedAt = System.nanoTime();
        }
    }

    /** The pause does not count towards the epoch's time. */
    void resume() {
        if (pausedAt >= 0) {
            epochStart += System.nanoTime() - pausedAt;
            pausedAt = -1;
        }
    }

    /** The epoch's verdict came: the next epoch's time runs from now (from the pause, if paused). */
    void epochStarts() {
        epochStart = pausedAt >= 0 ? pausedAt : System.nanoTime();
    }

    double epochSeconds() {
        return (System.nanoTime() - epochStart) / 1e9;
    }

    /** A batch was applied; whether a snapshot every {@code every} batches (0: never) is due. */
    boolean appliedOne(int every) {
        applied++;
        sinceSnapshot++;
        return every > 0 && sinceSnapshot >= every;
    }

    void snapshotRequested() {
        sinceSnapshot = 0;
    }

    /** Writes a snapshot into the run folder; null when written, else what went wrong (the last one stays). */
    String write(Path runDir, Snapshot s) {
        try {
            lastSnapshot = SnapshotFiles.write(runDir, s);
            lastSnapshotMillis = s.createdEpochMillis();
            lastSnapshotReason = s.reason();
            return null;
        } catch (Exception e) {
            return "could not write the snapshot: " + e.getMessage();
        }
    }

    long applied() {
        return applied;
    }

    Path lastSnapshot() {
        return lastSnapshot;
    }

    long lastSnapshotMillis() {
        return lastSnapshotMillis;
    }

    String lastSnapshotReason() {
        return lastSnapshotReason;
    }
}
