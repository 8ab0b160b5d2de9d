package dev.sparsestream.protocol;

import static dev.sparsestream.protocol.DeepEquals.assertDeepEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.protocol.SnapshotFormatException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFilesTest {

    @TempDir
    Path dir;

    private static final Snapshot S1 = Samples.snapshot("epoch end", 4, true);
    private static final Snapshot S2 = Samples.snapshot("periodic", 6, false);
    private static final Snapshot S3 = Samples.snapshot("control", 9, true);

    private Path current() {
        return dir.resolve(SnapshotFiles.FILE_NAME);
    }

    private Path previous() {
        return dir.resolve(SnapshotFiles.PREVIOUS_FILE_NAME);
    }

    private Path temp() {
        return dir.resolve(SnapshotFiles.TEMP_FILE_NAME);
    }

    @Test
    void writtenSnapshotsReadBackAndFollowTheDocumentedLayout() throws Exception {
        Path file = SnapshotFiles.write(dir, S1);
        assertEquals(current(), file);
        assertDeepEquals(S1, SnapshotFiles.read(file));
        assertDeepEquals(S1, SnapshotFiles.readLatest(dir));
        assertFalse(Files.exists(temp()));

        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[8];
        b.get(magic);
        assertArrayEquals("SSSNAP\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), magic);
        assertEquals(1, b.getInt());
        long length = b.getLong();
        assertEquals(bytes.length - 20 - 32, length);
        byte[] payload = Arrays.copyOfRange(bytes, 20, 20 + (int) length);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(payload),
                Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length));
    }

    @Test
    void eachWriteKeepsTheSnapshotBeforeAsPrevious() throws Exception {
        SnapshotFiles.write(dir, S1);
        assertFalse(Files.exists(previous()));
        SnapshotFiles.write(dir, S2);
        assertDeepEquals(S2, SnapshotFiles.readLatest(dir));
        assertDeepEquals(S1, SnapshotFiles.read(previous()));
        SnapshotFiles.write(dir, S3);
        assertDeepEquals(S3, SnapshotFiles.readLatest(dir));
        assertDeepEquals(S2, SnapshotFiles.read(previous()));
        assertFalse(Files.exists(temp()));
    }

    /** Writes S1 to a file, damages it with {@code damage}, and returns the error reading it gives. */
    private SnapshotFormatException damaged(UnaryOperator<byte[]> damage) throws IOException {
        Path file = SnapshotFiles.write(dir, S1);
        Files.write(file, damage.apply(Files.readAllBytes(file)));
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.read(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        return e;
    }

    @Test
    void aFlippedPayloadByteIsAChecksumMismatch() throws Exception {
        SnapshotFormatException e = damaged(b -> {
            b[40] ^= 0x10;
            return b;
        });
        assertEquals(Problem.CHECKSUM_MISMATCH, e.problem());
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void aFlippedChecksumByteIsAChecksumMismatch() throws Exception {
        assertEquals(Problem.CHECKSUM_MISMATCH, damaged(b -> {
            b[b.length - 1] ^= 1;
            return b;
        }).problem());
    }

    @Test
    void truncatedFilesAreNamedTruncated() throws Exception {
        SnapshotFormatException cut = damaged(b -> Arrays.copyOf(b, b.length - 1));
        assertEquals(Problem.TRUNCATED, cut.problem());
        assertTrue(cut.getMessage().contains("truncated") && cut.getMessage().contains("it has"), cut.getMessage());
        assertEquals(Problem.TRUNCATED, damaged(b -> Arrays.copyOf(b, 12)).problem());
        assertEquals(Problem.TRUNCATED, damaged(b -> Arrays.copyOf(b, 5)).problem());
        assertEquals(Problem.TRUNCATED, damaged(b -> new byte[0]).problem());
    }

    @Test
    void wrongMagicIsNotASnapshot() throws Exception {
        SnapshotFormatException e = damaged(b -> {
            b[3] = 'X';
            return b;
        });
        assertEquals(Problem.WRONG_MAGIC, e.problem());
        assertTrue(e.getMessage().contains("wrong magic"), e.getMessage());
        // A text file of the same length is not mistaken for a truncated snapshot.
        assertEquals(Problem.WRONG_MAGIC, damaged(b -> "{}".getBytes()).problem());
    }

    @Test
    void anotherFormatVersionIsUnsupported() throws Exception {
        SnapshotFormatException e = damaged(b -> {
            b[11] = 2;
            return b;
        });
        assertEquals(Problem.UNSUPPORTED_VERSION, e.problem());
        assertTrue(e.getMessage().contains("format version 2, this build reads version 1"), e.getMessage());
    }

    @Test
    void aNegativeLengthIsABadHeader() throws Exception {
        assertEquals(Problem.BAD_HEADER, damaged(b -> {
            b[12] = (byte) 0x80;
            return b;
        }).problem());
    }

    @Test
    void bytesAfterTheChecksumAreTrailingBytes() throws Exception {
        SnapshotFormatException e = damaged(b -> Arrays.copyOf(b, b.length + 3));
        assertEquals(Problem.TRAILING_BYTES, e.problem());
        assertTrue(e.getMessage().contains("3 bytes follow the checksum"), e.getMessage());
    }

    @Test
    void anIntactPayloadThatIsNoSnapshotIsUndecodable() throws Exception {
        byte[] payload = SnapshotFiles.encode(S1);
        Path longer = SnapshotFiles.writeTemp(dir, Arrays.copyOf(payload, payload.length + 1));
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.read(longer));
        assertEquals(Problem.UNDECODABLE_PAYLOAD, e.problem());
        assertTrue(e.getMessage().contains("ends at byte " + payload.length), e.getMessage());

        Path shorter = SnapshotFiles.writeTemp(dir, Arrays.copyOf(payload, payload.length / 2));
        assertEquals(Problem.UNDECODABLE_PAYLOAD,
                assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.read(shorter)).problem());
    }

    @Test
    void aCrashBeforeTheRenamesLeavesTheCurrentSnapshot() throws Exception {
        SnapshotFiles.write(dir, S1);
        SnapshotFiles.writeTemp(dir, SnapshotFiles.encode(S2)); // the process dies here
        assertDeepEquals(S1, SnapshotFiles.readLatest(dir));

        Files.write(temp(), Arrays.copyOf(Files.readAllBytes(temp()), 100)); // or here, half-way through the temp
        assertDeepEquals(S1, SnapshotFiles.readLatest(dir));

        SnapshotFiles.write(dir, S3); // the next run writes over the leftover
        assertDeepEquals(S3, SnapshotFiles.readLatest(dir));
        assertDeepEquals(S1, SnapshotFiles.read(previous()));
        assertFalse(Files.exists(temp()));
    }

    @Test
    void aCrashBetweenTheRenamesLeavesThePreviousSnapshotAndSaysSo() throws Exception {
        SnapshotFiles.write(dir, S1);
        SnapshotFiles.write(dir, S2);
        Path temp = SnapshotFiles.writeTemp(dir, SnapshotFiles.encode(S3));
        SnapshotFiles.rotateCurrent(dir); // the process dies before SnapshotFiles.install
        assertFalse(Files.exists(current()));
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.readLatest(dir));
        assertEquals(Problem.MISSING, e.problem());
        assertEquals(Optional.of(previous()), e.intactPrevious());
        assertDeepEquals(S2, SnapshotFiles.read(e.intactPrevious().orElseThrow()));
        assertDeepEquals(S3, SnapshotFiles.read(temp));
    }

    @Test
    void aDamagedLatestSnapshotIsReportedNotSilentlyReplacedByThePreviousOne() throws Exception {
        SnapshotFiles.write(dir, S1);
        SnapshotFiles.write(dir, S2);
        byte[] bytes = Files.readAllBytes(current());
        bytes[30] ^= 1;
        Files.write(current(), bytes);

        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.readLatest(dir));
        assertEquals(Problem.CHECKSUM_MISMATCH, e.problem());
        assertEquals(current(), e.file());
        String m = e.getMessage();
        assertTrue(m.startsWith(current() + ": snapshot checksum mismatch"), m);
        assertTrue(m.contains(previous() + " is intact") && m.contains("pass that file explicitly")
                && m.contains("next batch " + S1.nextSeq()), m);
        assertEquals(Optional.of(previous()), e.intactPrevious());
        assertDeepEquals(S1, SnapshotFiles.read(e.intactPrevious().orElseThrow()));
    }

    @Test
    void aDamagedLatestSnapshotWithoutAnIntactPreviousOneSaysThereIsNone() throws Exception {
        SnapshotFiles.write(dir, S1);
        Files.write(current(), Arrays.copyOf(Files.readAllBytes(current()), 50));
        SnapshotFormatException alone = assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.readLatest(dir));
        assertEquals(Problem.TRUNCATED, alone.problem());
        assertTrue(alone.getMessage().contains("There is no snapshot.prev.bin"), alone.getMessage());
        assertTrue(alone.intactPrevious().isEmpty());

        Files.write(previous(), new byte[]{1, 2, 3});
        SnapshotFormatException both = assertThrows(SnapshotFormatException.class, () -> SnapshotFiles.readLatest(dir));
        assertTrue(both.getMessage().contains("cannot be used either: " + previous()), both.getMessage());
        assertTrue(both.intactPrevious().isEmpty());
    }

    @Test
    void aDamagedLatestSnapshotNeverPushesOutAGoodPreviousOne() throws Exception {
        SnapshotFiles.write(dir, S1);
        SnapshotFiles.write(dir, S2);
        byte[] bytes = Files.readAllBytes(current());
        bytes[bytes.length - 5] ^= 1;
        Files.write(current(), bytes);
        SnapshotFiles.write(dir, S3);
        assertDeepEquals(S3, SnapshotFiles.readLatest(dir));
        assertDeepEquals(S1, SnapshotFiles.read(previous()));
    }

    @Test
    void aDirectoryWithoutSnapshotsHasNone() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SnapshotFiles.readLatest(dir));
        assertTrue(e.getMessage().contains("no snapshot in " + dir), e.getMessage());
    }
}
