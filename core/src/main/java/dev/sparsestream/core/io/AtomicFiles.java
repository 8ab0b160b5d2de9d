package dev.sparsestream.core.io;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The project's file helpers: files written so that a reader sees the old content or the new, never a partial
 * one (optionally readable by their owner only), folders synced so that a rename survives a crash, and
 * folders deleted with everything in them.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /**
     * Creates an empty, hidden, uniquely named file next to {@code target} to write its new content to. Not
     * {@link Files#createTempFile}: on POSIX that makes the file owner-only (0600), and the rename keeps it, so
     * results would be unreadable to the user's group; here the umask decides, as for any file the user makes.
     */
    public static Path newTemporarySibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + target.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    /** What writes a file's content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes to a temporary sibling, forces it to disk, then renames it over the target. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /**
     * Streams {@code content} to a temporary sibling, forces it to disk, renames it over the target and syncs the
     * folder; if writing fails, the target is left as it was and the temporary file is removed.
     */
    public static void write(Path target, Content content) throws IOException {
        write(target, content, false);
    }

    /**
     * As {@link #write(Path, Content)}; with {@code ownerOnly} the file is readable and writable by its owner
     * alone from its creation on (no moment in which others could open it), for secrets such as tokens.
     */
    public static void write(Path target, Content content, boolean ownerOnly) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = ownerOnly ? newOwnerOnlySibling(target) : newTemporarySibling(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncFolder(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path newOwnerOnlySibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = "." + target.getFileName() + ".";
        if (Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
            var ownerOnly = PosixFilePermissions.fromString("rw-------");
            return Files.createTempFile(dir, prefix, ".tmp", PosixFilePermissions.asFileAttribute(ownerOnly));
        }
        Path tmp = Files.createTempFile(dir, prefix, ".tmp");
        File f = tmp.toFile();
        boolean ok = f.setReadable(false, false) & f.setReadable(true, true)
                & f.setWritable(false, false) & f.setWritable(true, true);
        if (!ok) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot restrict " + tmp + " to its owner");
        }
        return tmp;
    }

    /** Flushes a folder's entries (new names, renames) to disk where the platform allows it. */
    public static void syncFolder(Path folder) {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a folder as a channel and some file systems refuse fsync on one; there the
            // rename is as durable as the platform makes it (the files' own contents were forced).
        }
    }

    /** Deletes p and, if it is a folder, everything in it; symbolic links are removed, not followed. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (Path e : entries) {
                    deleteRecursively(e);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
