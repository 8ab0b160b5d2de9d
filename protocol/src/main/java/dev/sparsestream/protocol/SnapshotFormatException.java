package dev.sparsestream.protocol;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A snapshot file that cannot be trusted, with the file, what is wrong with it and, when
 * {@link SnapshotFiles#readLatest} found one, the intact older snapshot the caller may choose to resume
 * from instead. The message says all of it, so it can be shown to the user as it is.
 */
public final class SnapshotFormatException extends IOException {

    /** What is wrong with the file. */
    public enum Problem {
        /** The file does not start with the snapshot magic: not a snapshot. */
        WRONG_MAGIC,
        /** Written in a format version this build cannot read. */
        UNSUPPORTED_VERSION,
        /** The header is inconsistent (a negative payload length). */
        BAD_HEADER,
        /** Shorter than its header says: the write did not finish, or the file was cut. */
        TRUNCATED,
        /** Longer than its header says: something was appended or the header is damaged. */
        TRAILING_BYTES,
        /** The payload's SHA-256 does not match the one stored: the bytes changed after they were written. */
        CHECKSUM_MISMATCH,
        /** Intact bytes that do not decode into a snapshot (another protocol version, or a bug). */
        UNDECODABLE_PAYLOAD,
        /**
         * The run directory has {@code snapshot.prev.bin} but no {@code snapshot.bin}: a write was interrupted
         * between its two renames, or the file was removed.
         */
        MISSING
    }

    private final Path file;
    private final Problem problem;
    private final String detail;
    private final Path intactPrevious;

    SnapshotFormatException(Path file, Problem problem, String detail, Throwable cause) {
        this(file, problem, detail, null, null, cause);
    }

    private SnapshotFormatException(Path file, Problem problem, String detail, Path intactPrevious, String advice,
                                    Throwable cause) {
        super(file + ": " + describe(problem) + ": " + detail + (advice == null ? "" : ". " + advice), cause);
        this.file = file;
        this.problem = problem;
        this.detail = detail;
        this.intactPrevious = intactPrevious;
    }

    /** The same problem, with advice about the older snapshot added to the message. */
    SnapshotFormatException withAdvice(Path intactPrevious, String advice) {
        return new SnapshotFormatException(file, problem, detail, intactPrevious, advice, getCause());
    }

    private static String describe(Problem p) {
        return switch (p) {
            case WRONG_MAGIC -> "not a sparse-stream snapshot (wrong magic bytes)";
            case UNSUPPORTED_VERSION -> "unsupported snapshot format version";
            case BAD_HEADER -> "corrupt snapshot header";
            case TRUNCATED -> "truncated snapshot";
            case TRAILING_BYTES -> "trailing bytes after the snapshot";
            case CHECKSUM_MISMATCH -> "snapshot checksum mismatch";
            case UNDECODABLE_PAYLOAD -> "undecodable snapshot payload";
            case MISSING -> "snapshot missing";
        };
    }

    /** The file that failed (for {@link Problem#MISSING}, the absent {@code snapshot.bin}). */
    public Path file() {
        return file;
    }

    public Problem problem() {
        return problem;
    }

    /**
     * The older snapshot that {@link SnapshotFiles#readLatest} verified intact, which the caller may pass to
     * {@link SnapshotFiles#read} to resume from it (losing the progress made since); empty when there is
     * none or it is damaged too.
     */
    public Optional<Path> intactPrevious() {
        return Optional.ofNullable(intactPrevious);
    }
}
