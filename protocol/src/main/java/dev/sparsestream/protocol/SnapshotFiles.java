package dev.sparsestream.protocol;

import dev.sparsestream.core.io.AtomicFiles;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparsestream.protocol.SnapshotFormatException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Snapshot files: a run directory holds its latest snapshot in {@value #FILE_NAME} and the one before in
 * {@value #PREVIOUS_FILE_NAME}.
 *
 * <h2>Format (format version 1; integers big-endian)</h2>
 * <pre>
 * offset  size  content
 *      0     8  magic "SSSNAP\r\n" (53 53 53 4E 41 50 0D 0A); the CR LF exposes text-mode line-ending mangling
 *      8     4  format version (int) = {@value #FORMAT_VERSION}
 *     12     8  payload length N (long)
 *     20     N  payload: the {@link Snapshot} written by {@link ProtocolKryo#create()} with
 *               {@code Kryo.writeObject} (no leading class id), registration table of
 *               {@link ProtocolKryo#PROTOCOL_VERSION} 1
 *   20+N    32  SHA-256 of the payload
 * </pre>
 * The file is exactly 52 + N bytes long; anything shorter is truncated, anything longer has trailing bytes.
 * Snapshots hold no actor references (the Kryo used has no actor system and refuses them).
 *
 * <h2>Writing</h2>
 * {@link #write} never leaves the directory without a complete, verifiable snapshot, whenever the process
 * or machine stops:
 * <ol>
 *   <li>encode, and decode the payload back, so that a snapshot that could not be read is never written;</li>
 *   <li>write {@value #TEMP_FILE_NAME} in the same directory and force it to disk
 *       ({@code FileChannel.force(true)}): until it is renamed, a crash leaves it behind and it is simply
 *       overwritten by the next write;</li>
 *   <li>if {@value #FILE_NAME} exists and verifies (header and checksum), rename it atomically to
 *       {@value #PREVIOUS_FILE_NAME}, replacing the older one, which is no longer needed now that two
 *       newer complete snapshots exist. A damaged {@value #FILE_NAME} is not rotated, so it never pushes out
 *       a good previous snapshot; the next step replaces it;</li>
 *   <li>rename the temporary file atomically ({@code ATOMIC_MOVE}) to {@value #FILE_NAME};</li>
 *   <li>after each rename, force the directory to disk where the platform allows it (Linux and macOS do;
 *       Windows cannot open a directory for that and journals the rename itself).</li>
 * </ol>
 * A crash between the two renames leaves {@value #PREVIOUS_FILE_NAME} (complete) and no
 * {@value #FILE_NAME}; {@link #readLatest} reports that case rather than guessing.
 *
 * <p>One writer per run directory (the learner) is assumed: the temporary file's name is fixed.
 */
public final class SnapshotFiles {

    /** The latest snapshot of a run directory. */
    public static final String FILE_NAME = "snapshot.bin";
    /** The snapshot before the latest, kept so that one damaged file never loses the whole run. */
    public static final String PREVIOUS_FILE_NAME = "snapshot.prev.bin";
    /** Where a snapshot is written before it is renamed into place. */
    public static final String TEMP_FILE_NAME = "snapshot.tmp";
    /** The version of this file format; bump it when the layout or the payload's encoding changes. */
    public static final int FORMAT_VERSION = 1;

    static final byte[] MAGIC = {'S', 'S', 'S', 'N', 'A', 'P', '\r', '\n'};
    static final int HEADER_BYTES = MAGIC.length + Integer.BYTES + Long.BYTES;
    static final int CHECKSUM_BYTES = 32;
    /** Payloads are decoded from one array; this is the largest the JVM reliably allocates. */
    private static final long MAX_PAYLOAD = Integer.MAX_VALUE - 8;

    private SnapshotFiles() {
    }

    /**
     * Writes {@code snapshot} as the latest snapshot of {@code runDir} (created if needed), keeping the one
     * it replaces as {@value #PREVIOUS_FILE_NAME}; see the class comment for the steps and guarantees.
     *
     * @return the written file, {@code runDir/}{@value #FILE_NAME}
     */
    public static Path write(Path runDir, Snapshot snapshot) throws IOException {
        Files.createDirectories(runDir);
        Path temp = writeTemp(runDir, encode(snapshot));
        rotateCurrent(runDir);
        return install(runDir, temp);
    }

    /**
     * Reads and verifies one snapshot file.
     *
     * @throws SnapshotFormatException when the file is not a complete, intact snapshot this build can decode;
     *                                 the message names the file and the problem
     */
    public static Snapshot read(Path file) throws IOException {
        byte[] payload = verifiedPayload(file);
        try {
            return decode(payload);
        } catch (RuntimeException e) {
            throw new SnapshotFormatException(file, Problem.UNDECODABLE_PAYLOAD, "the " + payload.length
                    + "-byte payload passed its checksum but does not decode as a protocol v"
                    + ProtocolKryo.PROTOCOL_VERSION + " Snapshot (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads {@code runDir/}{@value #FILE_NAME}. It never falls back to the older {@value #PREVIOUS_FILE_NAME}
     * on its own, because resuming from it silently would lose the progress made since: when the latest
     * file is damaged or missing, the exception says so, and when the older one verifies,
     * {@link SnapshotFormatException#intactPrevious()} names it and its message explains how to use it, so
     * the caller (in the end, the user) decides.
     *
     * @throws NoSuchFileException     when the directory holds neither snapshot
     * @throws SnapshotFormatException when {@value #FILE_NAME} is damaged, or missing next to an older one
     */
    public static Snapshot readLatest(Path runDir) throws IOException {
        Path current = runDir.resolve(FILE_NAME);
        Path previous = runDir.resolve(PREVIOUS_FILE_NAME);
        if (Files.exists(current)) {
            try {
                return read(current);
            } catch (SnapshotFormatException e) {
                throw withPreviousAdvice(e, previous);
            }
        }
        if (!Files.exists(previous)) {
            throw new NoSuchFileException(current.toString(), null, "no snapshot in " + runDir);
        }
        throw withPreviousAdvice(new SnapshotFormatException(current, Problem.MISSING, "there is no " + FILE_NAME
                + " but there is a " + PREVIOUS_FILE_NAME + " (a snapshot write was interrupted, or the file was removed)",
                null), previous);
    }

    private static SnapshotFormatException withPreviousAdvice(SnapshotFormatException e, Path previous) {
        if (!Files.exists(previous)) {
            return e.withAdvice(null, "There is no " + PREVIOUS_FILE_NAME + " to fall back on");
        }
        Snapshot older;
        try {
            older = read(previous);
        } catch (IOException p) {
            return e.withAdvice(null, "The older " + previous + " cannot be used either: " + p.getMessage());
        }
        return e.withAdvice(previous, "The older snapshot " + previous + " is intact (written "
                + Instant.ofEpochMilli(older.createdEpochMillis()) + ", reason '" + older.reason() + "', next batch "
                + older.nextSeq() + "); it was not used, because resuming from it loses the progress made after it. "
                + "To resume from it anyway, pass that file explicitly as the snapshot to resume from");
    }

    /**
     * The snapshot's payload, checked by decoding it back: the records' constructors validate on the reading
     * side, so a snapshot they would refuse is caught here, while the previous snapshot is still in place.
     */
    static byte[] encode(Snapshot snapshot) {
        Output output = new Output(1 << 16, -1);
        ProtocolKryo.create().writeObject(output, snapshot);
        byte[] payload = output.toBytes();
        try {
            decode(payload);
        } catch (RuntimeException e) {
            throw new IllegalStateException("snapshot '" + snapshot.reason() + "' does not decode after encoding, so "
                    + "it was not written: " + e.getMessage(), e);
        }
        return payload;
    }

    private static Snapshot decode(byte[] payload) {
        Kryo kryo = ProtocolKryo.create();
        Input input = new Input(payload);
        Snapshot snapshot = kryo.readObject(input, Snapshot.class);
        if (input.position() != payload.length) {
            throw new KryoException("the Snapshot ends at byte " + input.position() + " of the " + payload.length
                    + "-byte payload");
        }
        return snapshot;
    }

    /** Step 2: {@code payload} framed into {@value #TEMP_FILE_NAME}, forced to disk. */
    static Path writeTemp(Path runDir, byte[] payload) throws IOException {
        Path temp = runDir.resolve(TEMP_FILE_NAME);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putInt(FORMAT_VERSION).putLong(payload.length);
        header.flip();
        ByteBuffer[] parts = {header, ByteBuffer.wrap(payload), ByteBuffer.wrap(sha256(payload))};
        try (FileChannel channel = FileChannel.open(temp, CREATE, WRITE, TRUNCATE_EXISTING)) {
            while (parts[2].hasRemaining()) {
                channel.write(parts);
            }
            channel.force(true);
        }
        return temp;
    }

    /** Step 3: the current snapshot, when intact, becomes the previous one. */
    static void rotateCurrent(Path runDir) throws IOException {
        Path current = runDir.resolve(FILE_NAME);
        if (!Files.exists(current)) {
            return;
        }
        try {
            verifiedPayload(current);
        } catch (SnapshotFormatException damaged) {
            return;
        }
        Files.move(current, runDir.resolve(PREVIOUS_FILE_NAME), ATOMIC_MOVE, REPLACE_EXISTING);
        AtomicFiles.syncFolder(runDir);
    }

    /** Step 4: the complete temporary file becomes the current snapshot. */
    static Path install(Path runDir, Path temp) throws IOException {
        Path current = runDir.resolve(FILE_NAME);
        Files.move(temp, current, ATOMIC_MOVE, REPLACE_EXISTING);
        AtomicFiles.syncFolder(runDir);
        return current;
    }

    /** The payload of {@code file} after checking the header, the length and the checksum. */
    private static byte[] verifiedPayload(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, READ)) {
            long size = channel.size();
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            readFully(channel, header);
            int have = header.position();
            header.flip();
            byte[] magic = new byte[Math.min(have, MAGIC.length)];
            header.get(magic);
            if (!Arrays.equals(magic, 0, magic.length, MAGIC, 0, magic.length)) {
                throw new SnapshotFormatException(file, Problem.WRONG_MAGIC, "it starts with "
                        + HexFormat.ofDelimiter(" ").formatHex(magic) + ", a snapshot with "
                        + HexFormat.ofDelimiter(" ").formatHex(MAGIC) + " (\"SSSNAP\\r\\n\")", null);
            }
            if (have < HEADER_BYTES) {
                throw new SnapshotFormatException(file, Problem.TRUNCATED, "the file has " + size
                        + " bytes, the header alone has " + HEADER_BYTES, null);
            }
            int version = header.getInt();
            if (version != FORMAT_VERSION) {
                throw new SnapshotFormatException(file, Problem.UNSUPPORTED_VERSION, "format version " + version
                        + ", this build reads version " + FORMAT_VERSION, null);
            }
            long length = header.getLong();
            if (length < 0) {
                throw new SnapshotFormatException(file, Problem.BAD_HEADER, "negative payload length " + length, null);
            }
            long available = size - HEADER_BYTES - CHECKSUM_BYTES;
            if (length > available) {
                throw new SnapshotFormatException(file, Problem.TRUNCATED, "the header announces a payload of "
                        + length + " bytes, so the file should have " + HEADER_BYTES + " + " + length + " + "
                        + CHECKSUM_BYTES + " bytes; it has " + size, null);
            }
            if (length < available) {
                throw new SnapshotFormatException(file, Problem.TRAILING_BYTES, (available - length)
                        + " bytes follow the checksum (the header announces a payload of " + length + " bytes, the file has "
                        + size + " bytes in all)", null);
            }
            if (length > MAX_PAYLOAD) {
                throw new SnapshotFormatException(file, Problem.UNDECODABLE_PAYLOAD, "a payload of " + length
                        + " bytes is more than this reader holds in memory", null);
            }
            byte[] payload = new byte[(int) length];
            byte[] stored = new byte[CHECKSUM_BYTES];
            ByteBuffer payloadBuffer = ByteBuffer.wrap(payload);
            ByteBuffer storedBuffer = ByteBuffer.wrap(stored);
            readFully(channel, payloadBuffer);
            readFully(channel, storedBuffer);
            if (payloadBuffer.hasRemaining() || storedBuffer.hasRemaining()) {
                throw new SnapshotFormatException(file, Problem.TRUNCATED, "the file ended while being read (was it "
                        + "being written?)", null);
            }
            byte[] actual = sha256(payload);
            if (!MessageDigest.isEqual(stored, actual)) {
                throw new SnapshotFormatException(file, Problem.CHECKSUM_MISMATCH, "the stored SHA-256 is "
                        + HexFormat.of().formatHex(stored) + ", the " + length + "-byte payload hashes to "
                        + HexFormat.of().formatHex(actual), null);
            }
            return payload;
        }
    }

    /** Reads until {@code buffer} is full or the file ends. */
    private static void readFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return;
            }
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
