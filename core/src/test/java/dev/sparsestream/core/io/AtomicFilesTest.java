package dev.sparsestream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void replacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("a/result.json");
        AtomicFiles.write(f, new byte[] {1, 2, 3});
        AtomicFiles.write(f, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList());
        }
    }

    @Test
    void aFailedWriteKeepsTheOldContent() throws IOException {
        Path f = tmp.resolve("result.json");
        AtomicFiles.write(f, new byte[] {7});
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(1);
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(f));
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "the temporary file is removed");
        }
    }

    @Test
    void filesGetTheUsersDefaultPermissionsNotOwnerOnly() throws IOException {
        assumeTrue(Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class));
        Path plain = Files.write(tmp.resolve("plain"), new byte[] {1}); // what the umask gives any new file
        Path atomic = tmp.resolve("atomic");
        AtomicFiles.write(atomic, new byte[] {1});
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
    }

    @Test
    void ownerOnlyFilesAreOwnerOnlyFromTheStart() throws IOException {
        assumeTrue(Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class));
        Path token = tmp.resolve("control.token");
        AtomicFiles.write(token, out -> out.write(new byte[] {9}), true);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(token));
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(token));
    }

    @Test
    void deleteRecursivelyRemovesAFolderWithItsContentsButNotALinksTarget() throws IOException {
        Path outside = Files.write(tmp.resolve("outside"), new byte[] {1});
        Path dir = Files.createDirectories(tmp.resolve("d/e/f"));
        Files.write(dir.resolve("x"), new byte[] {2});
        Files.write(tmp.resolve("d/y"), new byte[] {3});
        try {
            Files.createSymbolicLink(tmp.resolve("d/link"), outside);
        } catch (UnsupportedOperationException | IOException noLinks) {
            // a platform without symbolic links: the rest still holds
        }
        AtomicFiles.deleteRecursively(tmp.resolve("d"));
        assertTrue(Files.notExists(tmp.resolve("d")));
        assertTrue(Files.exists(outside), "a link is removed, not followed");
        AtomicFiles.deleteRecursively(tmp.resolve("d")); // nothing there: nothing to do
    }
}
