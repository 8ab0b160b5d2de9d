package dev.sparsestream.app.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.StandardOpenOption;

/**
 * One training job per run folder: {@code DIR/run.lock} is locked (an OS file lock, released however
 * the process ends) while a job trains there, so a second job cannot overwrite its snapshots.
 */
public final class RunLock implements AutoCloseable {
    static final String FILE = "run.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static RunLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalArgumentException("another job is training in " + runDir + " (it holds " + file
                    + "); stop it with 'sparse-stream control stop --run " + runDir + "', or choose another --out");
        }
        return new RunLock(channel, lock);
    }

    /**
     * Waits for the lock, for a standby seed taking over: a seed that was cut off rather than killed writes its
     * last snapshot before its process lets go of the lock, so the run continues from that one.
     */
    public static RunLock await(Path runDir, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return acquire(runDir);
            } catch (IllegalArgumentException held) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalArgumentException("the previous seed still holds " + runDir.resolve(FILE)
                            + " after " + patience.toSeconds() + " s; is it still running? (" + held.getMessage() + ")");
                }
                Thread.sleep(50); // another process: there is nothing in this JVM to wait on
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
