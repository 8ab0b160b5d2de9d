package dev.sparsestream.core.train;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.metrics.Psnr;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;

/**
 * Amortised evaluation (docs/method.md, "Early stopping" and "Metrics"): codes from the encoder alone,
 * in fixed batches in dataset order; for the decoder-only families, codes from FISTA started at zero.
 * The energy is the mean over batches of each batch's summed energy (its encoder term is 0).
 */
public final class Evaluator {
    private final SparseAutoencoder model;
    private final int n;
    private final Matrix y;
    private final Matrix target;
    private final ListaEncoder.Workspace encoderWs;
    private final Decoder.Workspace decoderWs;
    private final Fista fista;
    private final Matrix start; // FISTA's start without an encoder (null with one)
    private final float[] scale;

    public Evaluator(SparseAutoencoder model, int batchSize) {
        this.model = model;
        this.n = batchSize;
        int l = model.config().codeDim();
        y = Matrix.zeros(n, model.config().dataDim());
        target = Matrix.zeros(n, model.config().dataDim());
        encoderWs = model.hasEncoder() ? model.encoder().workspace(n) : null;
        decoderWs = model.decoder().workspace(n);
        fista = model.hasEncoder() ? null : model.decoder().device().fista(n, l);
        start = model.fistaStart(n);
        scale = new float[n * model.config().dataDim()];
    }

    /** Metrics over all complete batches of the dataset (a remainder smaller than a batch is left out). */
    public Summary evaluate(Dataset data, FistaParams p) {
        return evaluate(data, data, p);
    }

    /**
     * As {@link #evaluate(Dataset, FistaParams)}, with codes and energy from {@code inputs} but PSNR of the
     * reconstructions against {@code targets}, row for row (denoising: noisy inputs, clean targets). The targets'
     * pixel maps apply.
     */
    public Summary evaluate(Dataset inputs, Dataset targets, FistaParams p) {
        if (targets.size() != inputs.size() || targets.dim() != inputs.dim()) {
            throw new IllegalArgumentException("targets " + targets + " do not match inputs " + inputs);
        }
        Dataset data = targets;
        int batches = data.size() / n;
        if (batches == 0) {
            throw new IllegalArgumentException(data.name() + " has " + data.size() + " samples, fewer than one batch of " + n);
        }
        Energy energy = Energy.ZERO;
        double psnr = 0;
        double steps = 0;
        double minStd = 0;
        double meanStd = 0;
        double dead = 0;
        double sparsity = 0;
        for (int b = 0; b < batches; b++) {
            inputs.copyRows(b * n, n, y.data());
            if (targets != inputs) {
                targets.copyRows(b * n, n, target.data());
            }
            if (data.pixelMaps() != null) {
                data.pixelMaps().copyScaleRows(b * n, n, scale);
            }
            Matrix z;
            if (encoderWs != null) {
                z = encoderWs.forward(y);
            } else {
                decoderWs.bind(y);
                z = fista.solve(decoderWs, start, null, p);
                steps += fista.meanSteps();
            }
            Matrix recon = decoderWs.decode(z);
            energy = energy.plus(Energy.of(z, recon, y, null, p));
            psnr += Psnr.sum(recon, targets != inputs ? target : y, model.config().normalisation(), data.pixelMaps() != null ? scale : null);
            CodeStats cs = CodeStats.of(z);
            minStd += cs.minStd();
            meanStd += cs.meanStd();
            dead += cs.deadComponents();
            sparsity += cs.sparsity();
        }
        return new Summary(energy.times(1.0 / batches), psnr / (batches * (double) n), sparsity / batches,
                steps / batches, minStd / batches, meanStd / batches, dead / batches);
    }
}
