package dev.sparsestream.core.data;

import dev.sparsestream.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The data files of a folder whose SHA-256 was checked, each with what the file system says of it then:
 * size, modification time, change time and inode. A file whose four are unchanged has not been written,
 * replaced or copied over since (the change time and the inode move on any write, rename or copy, even one
 * that keeps the modification time), so its content need not be hashed again on every load: at a cold
 * start, hashing MNIST's 55 MB took about 0.4 s of a run's start. Git's index and rsync's quick check rest
 * on the same attributes. Silent corruption of the disk itself, below the file system, is not seen;
 * {@code sparse-stream fetch mnist} always hashes every file.
 *
 * <p>Kept in {@value #FILE} inside the folder, one line per file ({@code sha256 size mtime ctime inode
 * name}), written atomically; an unreadable or malformed record counts as empty, and a folder that cannot
 * be written to simply gets hashed on every load. Where the file system has no change time or inode
 * (outside Unix) nothing is ever taken as verified.
 */
final class VerifiedFiles {
    static final String FILE = ".sha256-verified";

    private final Path dir;
    private final Map<String, String> lines = new LinkedHashMap<>(); // name -> its record
    private boolean changed;

    private VerifiedFiles(Path dir) {
        this.dir = dir;
    }

    /** The folder's record; empty when there is none or it cannot be read. */
    static VerifiedFiles of(Path dir) {
        VerifiedFiles v = new VerifiedFiles(dir);
        try {
            for (String line : Files.readAllLines(dir.resolve(FILE), StandardCharsets.US_ASCII)) {
                String[] f = line.split(" ", 6);
                if (f.length == 6) {
                    v.lines.put(f[5], line);
                }
            }
        } catch (IOException | RuntimeException e) {
            v.lines.clear(); // no record, or a damaged one: every file is hashed
        }
        return v;
    }

    /** Whether {@code file} was verified to have {@code sha256} and has not changed since. */
    boolean unchanged(Path file, String sha256) {
        String now = record(file, sha256);
        return now != null && now.equals(lines.get(file.getFileName().toString()));
    }

    /** Notes that {@code file}'s content was just hashed and found to be {@code sha256}. */
    void verified(Path file, String sha256) {
        String now = record(file, sha256);
        if (now != null && !now.equals(lines.put(file.getFileName().toString(), now))) {
            changed = true;
        }
    }

    /** Writes the record if it changed; a folder that cannot be written to keeps hashing on every load. */
    void save() {
        if (!changed) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : lines.values()) {
            sb.append(line).append('\n');
        }
        try {
            AtomicFiles.write(dir.resolve(FILE), sb.toString().getBytes(StandardCharsets.US_ASCII));
            changed = false;
        } catch (IOException | RuntimeException e) {
            // read-only data: nothing is lost but the time of the next load's hashing
        }
    }

    /** The file's line as it is now, or null where the file system cannot say enough. */
    private static String record(Path file, String sha256) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino");
            String name = file.getFileName().toString();
            if (name.indexOf('\n') >= 0) {
                return null;
            }
            return sha256 + " " + a.get("size") + " " + a.get("lastModifiedTime") + " " + a.get("ctime") + " "
                    + a.get("ino") + " " + name;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }
}
