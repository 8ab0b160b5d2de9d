package dev.sparsestream.core.train;

import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.metrics.Psnr;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;

/**
 * One training batch as a step function over an explicit state: the model being trained, its two Adam
 * optimisers and every batch buffer. Per batch (REFERENCE.md, "Learning"):
 * <ol>
 *   <li>zE = E(y); FISTA from Z0 = zE (zeros without an encoder) gives Z*;</li>
 *   <li>decoder: one Adam step on mean_i mean_p (y_i - D(z*_i))^2, then column norms (SDL, DO);</li>
 *   <li>encoder: one Adam step on mean_i mean_k (E(y_i) - z*_ik)^2.</li>
 * </ol>
 */
public final class TrainingStep {
    private final SparseAutoencoder model;
    private final ModelConfig config;
    private final int n;
    private final Fista fista;
    private final Decoder.Workspace decoderWs;
    private final ListaEncoder.Workspace encoderWs;
    private final Matrix zeros;
    private final AdamOptimizer decoderAdam;
    private final AdamOptimizer encoderAdam;

    public TrainingStep(SparseAutoencoder model, int n) {
        this.model = model;
        this.config = model.config();
        this.n = n;
        fista = new Fista(n, config.codeDim());
        decoderWs = model.decoder().workspace(n);
        encoderWs = model.hasEncoder() ? model.encoder().workspace(n) : null;
        zeros = model.hasEncoder() ? null : Matrix.zeros(n, config.codeDim());
        var dw = model.decoder().isWeight();
        double[] dDecay = new double[dw.size()];
        for (int i = 0; i < dDecay.length; i++) {
            dDecay[i] = dw.get(i) ? config.wdDecoder() : config.wdDecoderBias();
        }
        decoderAdam = new AdamOptimizer(model.decoder().parameters(), dDecay, config.lrDecoder());
        encoderAdam = model.hasEncoder()
                ? new AdamOptimizer(model.encoder().parameters(), new double[] {0, 0, config.wdEncoderBias()}, config.lrEncoder())
                : null;
    }

    public SparseAutoencoder model() {
        return model;
    }

    public AdamOptimizer decoderOptimizer() {
        return decoderAdam;
    }

    public AdamOptimizer encoderOptimizer() {
        return encoderAdam;
    }

    /** Sets the learning rates for a 0-based epoch (the decoder's halving schedule). */
    public void startEpoch(int epoch) {
        decoderAdam.setLearningRate(config.lrDecoderAt(epoch));
    }

    /** Inference then one update of decoder and encoder on the batch y (n, d), which is not changed. */
    public BatchMetrics apply(Matrix y, FistaParams p) {
        long t0 = System.nanoTime();
        Matrix.requireShape(y, n, config.dataDim(), "training batch");
        Matrix zE = encoderWs != null ? encoderWs.forward(y) : null; // (n, l), kept for the encoder's backward
        decoderWs.bind(y);
        Matrix z = fista.solve(decoderWs, zE != null ? zE : zeros, p.gamma() > 0 ? zE : null, p);

        Matrix recon = decoderWs.decode(z);                           // (n, d)
        Energy energy = Energy.of(z, recon, y, p.gamma() > 0 ? zE : null, p);
        double psnr = Psnr.sum(recon, y, config.normalisation()) / n;
        CodeStats codes = CodeStats.of(z);

        double decoderLoss = decoderWs.backwardMse(z, y);
        decoderAdam.step(decoderWs.gradients());
        if (config.columnNorm()) {
            model.decoder().normaliseColumns();
        }
        double encoderLoss = 0;
        if (encoderWs != null) {
            encoderLoss = encoderWs.backwardMse(y, z);
            encoderAdam.step(encoderWs.gradients());
        }
        return new BatchMetrics(energy, psnr, codes, fista.meanSteps(), fista.iterations(), decoderLoss, encoderLoss,
                (System.nanoTime() - t0) / 1e9);
    }
}
