package dev.sparsestream.core.io;

import dev.sparsestream.core.tensor.Matrix;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** NumPy .npy arrays read and written through ND4J, with checks that name the file. */
public final class NpyFiles {
    private NpyFiles() {
    }

    /** Reads a 2-d float32 or float64 array as a float32 matrix; rejects other ranks, dtypes and non-finite values. */
    public static Matrix readMatrix(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException(file + ": no such file");
        }
        INDArray a;
        try {
            a = Nd4j.createFromNpyFile(file.toFile());
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a readable .npy file (" + e.getMessage() + ")", e);
        }
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) {
            throw new IOException(file + ": dtype " + a.dataType() + " is not supported; use float32 or float64");
        }
        if (a.rank() != 2) {
            throw new IOException(file + ": expected a 2-d array (n, d), got shape " + java.util.Arrays.toString(a.shape()));
        }
        Matrix m = Matrix.wrap(a.castTo(DataType.FLOAT).dup('c'));
        var d = m.data();
        for (int i = 0, n = m.size(); i < n; i++) {
            if (!Float.isFinite(d.get(i))) {
                throw new IOException(file + ": non-finite value " + d.get(i) + " at row " + i / m.cols() + ", column " + i % m.cols());
            }
        }
        return m;
    }

    /** Writes a float32 (rows, cols) .npy atomically (temporary sibling, then rename). */
    public static void write(Path file, Matrix m) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            File f = tmp.toFile();
            Nd4j.writeAsNumpy(m.array(), f);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
