package dev.sparsestream.core.train;

import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.io.NpyFiles;
import dev.sparsestream.core.metrics.Psnr;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Codes for users' own data: from the encoder alone, or by FISTA inference with the model's settings,
 * in batches (the variance hinge is a batch statistic, so FISTA codes depend on the batch).
 */
public final class Encoding {
    private Encoding() {
    }

    /** Totals of an encoding: energy is the mean over batches of each batch's summed energy. */
    public record Result(int samples, Energy energyPerBatch, double psnr, double sparsity, double fistaSteps) {
    }

    public static Result encodeFile(SparseAutoencoder model, Path input, Path output, boolean fista, int batchSize)
            throws IOException {
        Matrix x = NpyFiles.readMatrix(input);
        if (x.cols() != model.config().dataDim()) {
            throw new IllegalArgumentException(input + " has rows of " + x.cols() + " values but the model expects d = "
                    + model.config().dataDim());
        }
        Matrix z = Matrix.zeros(x.rows(), model.config().codeDim());
        Result r = encode(model, x, z, fista, batchSize);
        NpyFiles.write(output, z);
        return r;
    }

    /**
     * Writes the codes of x (n, d) into z (n, l) in batches of batchSize; the last batch holds the
     * remainder.
     */
    public static Result encode(SparseAutoencoder model, Matrix x, Matrix z, boolean fista, int batchSize) {
        int n = x.rows();
        int d = model.config().dataDim();
        int l = model.config().codeDim();
        Matrix.requireShape(z, n, l, "codes");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!fista && !model.hasEncoder()) {
            throw new IllegalArgumentException(model.config().model() + " has no encoder; use FISTA");
        }
        FistaParams p = FistaParams.of(model.config());
        Energy energy = Energy.ZERO;
        double psnr = 0;
        double zeros = 0;
        double steps = 0;
        int batches = 0;
        Batch batch = null;
        for (int from = 0; from < n; from += batchSize) {
            int m = Math.min(batchSize, n - from);
            if (fista && p.beta() > 0 && m < 2) {
                throw new IllegalArgumentException("the last batch has a single sample; FISTA with the variance hinge needs"
                        + " at least 2 per batch (choose another --batch-size)");
            }
            if (batch == null || batch.n != m) {
                batch = new Batch(model, m, fista);
            }
            batch.y.data().put(0, x.data(), from * d, m * d);
            Matrix codes = batch.run(p);
            Matrix recon = batch.decoder.decode(codes);
            energy = energy.plus(Energy.of(codes, recon, batch.y, batch.zE, p));
            psnr += Psnr.sum(recon, batch.y, model.config().normalisation());
            zeros += CodeStats.sparsity(codes) * m;
            steps += batch.fista != null ? batch.fista.meanSteps() * m : 0;
            z.data().put(from * l, codes.data(), 0, m * l);
            batches++;
        }
        return new Result(n, energy.times(1.0 / batches), psnr / n, zeros / n, steps / n);
    }

    /** Buffers for one batch size. */
    private static final class Batch {
        final int n;
        final Matrix y;
        final ListaEncoder.Workspace encoder;
        final Decoder.Workspace decoder;
        final Fista fista;
        final Matrix start; // FISTA's start without an encoder (null with one)
        Matrix zE;

        Batch(SparseAutoencoder model, int n, boolean useFista) {
            this.n = n;
            y = Matrix.zeros(n, model.config().dataDim());
            encoder = model.hasEncoder() ? model.encoder().workspace(n) : null;
            decoder = model.decoder().workspace(n);
            fista = useFista ? model.decoder().device().fista(n, model.config().codeDim()) : null;
            start = model.fistaStart(n);
        }

        Matrix run(FistaParams p) {
            zE = encoder != null ? encoder.forward(y) : null;
            if (fista == null) {
                Matrix codes = zE;
                zE = null; // encoder codes: the energy's encoder term is 0
                return codes;
            }
            decoder.bind(y);
            Matrix codes = fista.solve(decoder, zE != null ? zE : start, p.gamma() > 0 ? zE : null, p);
            if (p.gamma() == 0) {
                zE = null;
            }
            return codes;
        }
    }
}
