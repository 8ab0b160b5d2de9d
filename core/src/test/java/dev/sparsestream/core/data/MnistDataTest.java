package dev.sparsestream.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistDataTest {

    @TempDir
    Path tmp;

    @Test
    void loadsRealMnist() throws IOException {
        assumeTrue(MnistTestData.present(), "real MNIST not found; run ./sparse-stream fetch mnist");
        Path dir = MnistTestData.dir();
        long t0 = System.nanoTime();
        Splits s = MnistData.load(dir);
        System.out.printf("MnistData.load(%s): %.0f ms%n", dir, (System.nanoTime() - t0) / 1e6);

        assertEquals(55_000, s.train().size());
        assertEquals(5_000, s.val().size());
        assertEquals(10_000, s.test().size());
        for (Dataset d : new Dataset[] {s.train(), s.val(), s.test()}) {
            assertEquals(784, d.dim());
            assertTrue(d.hasLabels());
        }

        // Normalisation: train pixels have mean ~0 and std ~1.
        double sum = 0;
        double sumSq = 0;
        int n = s.train().size();
        FloatBuffer buf = FloatBuffer.allocate(1000 * 784);
        for (int from = 0; from < n; from += 1000) {
            s.train().copyRows(from, 1000, buf);
            for (int k = 0; k < buf.capacity(); k++) {
                double v = buf.get(k);
                sum += v;
                sumSq += v * v;
            }
        }
        double count = (double) n * 784;
        double mean = sum / count;
        double std = Math.sqrt(sumSq / count - mean * mean);
        assertTrue(Math.abs(mean) < 0.05, "mean " + mean);
        assertTrue(Math.abs(std - 1) < 0.05, "std " + std);

        // Independent check of the split order: first train row is training image 20948, first
        // validation row is 10658 (first lines of the split files); test is in file order.
        IdxImages trainImages = IdxReader.readImages(dir.resolve(MnistFiles.TRAIN_IMAGES));
        byte[] trainLabels = IdxReader.readLabels(dir.resolve(MnistFiles.TRAIN_LABELS));
        assertRowIs(s.train(), 0, trainImages, trainLabels, 20948);
        assertRowIs(s.val(), 0, trainImages, trainLabels, 10658);
        IdxImages testImages = IdxReader.readImages(dir.resolve(MnistFiles.TEST_IMAGES));
        byte[] testLabels = IdxReader.readLabels(dir.resolve(MnistFiles.TEST_LABELS));
        assertRowIs(s.test(), 0, testImages, testLabels, 0);
        assertRowIs(s.test(), 9_999, testImages, testLabels, 9_999);
        // The well-known first test label of MNIST is 7, the first training label 5.
        assertEquals(7, s.test().label(0));
        assertEquals(5, trainLabels[0]);
    }

    private static void assertRowIs(Dataset d, int row, IdxImages images, byte[] labels, int image) {
        for (int k = 0; k < 784; k++) {
            int p = images.pixels()[image * 784 + k] & 0xFF;
            float expected = (float) ((p / 255.0 - 0.1307) / 0.3081);
            assertEquals(expected, d.get(row, k), 0f, d.name() + " row " + row + " pixel " + k);
        }
        assertEquals(labels[image], d.label(row));
    }

    @Test
    void loadsGzippedFilesToo() throws IOException {
        assumeTrue(MnistTestData.present(), "real MNIST not found");
        Path dir = MnistTestData.dir();
        // Label files gzipped (cheap), image files raw: each file independently raw or .gz.
        Files.copy(dir.resolve(MnistFiles.TRAIN_IMAGES), tmp.resolve(MnistFiles.TRAIN_IMAGES));
        Files.copy(dir.resolve(MnistFiles.TEST_IMAGES), tmp.resolve(MnistFiles.TEST_IMAGES));
        for (String name : new String[] {MnistFiles.TRAIN_LABELS, MnistFiles.TEST_LABELS}) {
            Files.write(tmp.resolve(name + ".gz"), IdxTestFiles.gzip(Files.readAllBytes(dir.resolve(name))));
        }
        Splits s = MnistData.load(tmp);
        assertEquals(55_000, s.train().size());
        assertEquals(7, s.test().label(0));
    }

    @Test
    void splitResourceCoversTrainingSetExactlyOnce() throws IOException {
        int[] train = MnistData.trainSplitIndices();
        int[] val = MnistData.valSplitIndices();
        assertEquals(55_000, train.length);
        assertEquals(5_000, val.length);
        assertEquals(20948, train[0]);
        assertEquals(10658, val[0]);
        int[] seen = new int[60_000];
        for (int[] part : new int[][] {train, val}) {
            for (int i : part) {
                assertTrue(i >= 0 && i < 60_000, "index " + i);
                seen[i]++;
            }
        }
        for (int i = 0; i < 60_000; i++) {
            assertEquals(1, seen[i], "index " + i);
        }
    }

    @Test
    void missingDataSaysHowToFetch() {
        Path mnist = tmp.resolve("mnist");
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> MnistData.load(mnist));
        assertTrue(e.getMessage().contains("./sparse-stream fetch mnist --data-dir " + tmp.toAbsolutePath()),
                e.getMessage());
        assertTrue(e.getMessage().contains(MnistFiles.TRAIN_IMAGES), e.getMessage());
    }

    @Test
    void wrongSizedFilesAreAClearError() throws IOException {
        // Well-formed IDX files under the MNIST names, but 10 images of 28x28 instead of 60,000.
        IdxTestFiles.write(tmp.resolve(MnistFiles.TRAIN_IMAGES), IdxTestFiles.images(10, 28, 28, new byte[7840]));
        IdxTestFiles.write(tmp.resolve(MnistFiles.TRAIN_LABELS), IdxTestFiles.labels(new byte[10]));
        IdxTestFiles.write(tmp.resolve(MnistFiles.TEST_IMAGES), IdxTestFiles.images(10, 28, 28, new byte[7840]));
        IdxTestFiles.write(tmp.resolve(MnistFiles.TEST_LABELS), IdxTestFiles.labels(new byte[10]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> MnistData.load(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve(MnistFiles.TRAIN_IMAGES).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("expected 60000 images of 28x28"), e.getMessage());
        assertTrue(e.getMessage().contains("10 images"), e.getMessage());
    }

    @Test
    void rightSizeWrongContentIsRejectedByChecksum() throws IOException {
        assumeTrue(MnistTestData.present(), "real MNIST not found");
        MnistTestData.copyAll(tmp);
        // Same shape, one label changed (as a different data set with the same layout would be).
        Path labels = tmp.resolve(MnistFiles.TEST_LABELS);
        assumeTrue(Files.exists(labels), "test labels are stored gzipped; skip");
        byte[] b = Files.readAllBytes(labels);
        b[8] = (byte) ((b[8] + 1) % 10);
        Files.write(labels, b);
        IOException e = assertThrows(IOException.class, () -> MnistData.load(tmp));
        assertTrue(e.getMessage().contains(MnistFiles.TEST_LABELS) && e.getMessage().contains("SHA-256"),
                e.getMessage());
    }

    @Test
    void aLoadRecordsWhatItVerifiedAndTheNextStillCatchesAFileChangedBehindItsBack() throws IOException {
        assumeTrue(MnistTestData.present(), "real MNIST not found");
        MnistTestData.copyAll(tmp);
        Path labels = tmp.resolve(MnistFiles.TEST_LABELS);
        assumeTrue(Files.exists(labels), "test labels are stored gzipped; skip");
        Path record = tmp.resolve(VerifiedFiles.FILE);
        MnistData.load(tmp);
        assertEquals(4, Files.readAllLines(record).size(), "the four files hashed and recorded");
        var written = Files.getLastModifiedTime(record);
        MnistData.load(tmp); // from the record: nothing hashed, nothing to write
        assertEquals(written, Files.getLastModifiedTime(record));

        // Same size, one label changed, the modification time put back: the change time gives it away.
        var mtime = Files.getLastModifiedTime(labels);
        byte[] b = Files.readAllBytes(labels);
        b[8] = (byte) ((b[8] + 1) % 10);
        Files.write(labels, b);
        Files.setLastModifiedTime(labels, mtime);
        IOException e = assertThrows(IOException.class, () -> MnistData.load(tmp));
        assertTrue(e.getMessage().contains(MnistFiles.TEST_LABELS) && e.getMessage().contains("SHA-256"),
                e.getMessage());
    }

    @Test
    void aDamagedRecordOnlyCostsAHash() throws IOException {
        assumeTrue(MnistTestData.present(), "real MNIST not found");
        MnistTestData.copyAll(tmp);
        Files.writeString(tmp.resolve(VerifiedFiles.FILE), "not a record\n\u0000\n");
        assertEquals(55_000, MnistData.load(tmp).train().size());
        assertEquals(4, Files.readAllLines(tmp.resolve(VerifiedFiles.FILE)).size());
    }

    @Test
    void defaultDataDirHonoursTheSystemProperty() {
        String old = System.getProperty(MnistData.DATA_DIR_PROPERTY);
        try {
            System.setProperty(MnistData.DATA_DIR_PROPERTY, "/some/where");
            assertEquals(Path.of("/some/where"), MnistData.defaultDataDir());
            assertEquals(Path.of("/some/where/mnist"), MnistData.defaultMnistDir());
        } finally {
            if (old == null) {
                System.clearProperty(MnistData.DATA_DIR_PROPERTY);
            } else {
                System.setProperty(MnistData.DATA_DIR_PROPERTY, old);
            }
        }
    }
}
