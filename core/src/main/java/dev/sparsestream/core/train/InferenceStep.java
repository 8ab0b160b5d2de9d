package dev.sparsestream.core.train;

import dev.sparsestream.core.inference.Fista;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;

/**
 * Inference for one batch as a step function over explicit state: zE = E(y), then FISTA from Z0 = zE
 * (a constant start for decoder-only models: ModelConfig.fistaStart) on the energy with the model's current weights. What an inference
 * worker runs; {@link TrainingStep} runs it too, on the model it trains.
 */
public final class InferenceStep {
    private final SparseAutoencoder model;
    private final int n;
    private Fista fista; // made at the first solve: a learner that only updates from workers' codes never needs it
    private final Decoder.Workspace decoderWs;
    private final ListaEncoder.Workspace encoderWs;
    private final Matrix start; // FISTA's start without an encoder (null with one)

    /** @param model the weights to infer with; read, never written, and may be updated between solves */
    public InferenceStep(SparseAutoencoder model, int n) {
        this.model = model;
        this.n = n;
        decoderWs = model.decoder().workspace(n);
        encoderWs = model.hasEncoder() ? model.encoder().workspace(n) : null;
        start = model.fistaStart(n);
    }

    public SparseAutoencoder model() {
        return model;
    }

    public int batchSize() {
        return n;
    }

    /**
     * The codes Z* (n, l) for the batch y (n, d), which is not changed: this object's buffer, valid until
     * the next call. Afterwards {@link #encoderCodes()} holds E(y) and the decoder workspace is bound to y.
     */
    public Matrix solve(Matrix y, FistaParams p) {
        Matrix.requireShape(y, n, model.config().dataDim(), "batch");
        Matrix zE = encode(y);
        decoderWs.bind(y);
        if (fista == null) {
            fista = model.decoder().device().fista(n, model.config().codeDim());
        }
        return fista.solve(decoderWs, zE != null ? zE : start, p.gamma() > 0 ? zE : null, p);
    }

    /** E(y) (n, l), keeping the activations for the encoder's backward pass; null without an encoder. */
    Matrix encode(Matrix y) {
        return encoderWs != null ? encoderWs.forward(y) : null;
    }

    /** E(y) of the last {@link #solve} or {@link #encode}; null without an encoder. */
    Matrix encoderCodes() {
        return encoderWs != null ? encoderWs.output() : null;
    }

    /**
     * The encoder's activations from the last {@link #solve} (see {@link ListaEncoder.Workspace#exportPass}),
     * for a learner that updates from these codes with these weights; null without an encoder.
     */
    public float[] encoderPass() {
        return encoderWs != null ? encoderWs.exportPass() : null;
    }

    /** Values in {@link #encoderPass}; 0 without an encoder. */
    public int encoderPassSize() {
        return encoderWs != null ? encoderWs.passSize() : 0;
    }

    /** As {@link #encoderPass}, into {@code out} (at least {@link #encoderPassSize} values); nothing without an encoder. */
    public void encoderPass(Matrix out) {
        if (encoderWs != null) {
            encoderWs.exportPass(out);
        }
    }

    Decoder.Workspace decoderWorkspace() {
        return decoderWs;
    }

    ListaEncoder.Workspace encoderWorkspace() {
        return encoderWs;
    }

    /** Mean FISTA steps per sample in the last solve (0 before the first). */
    public double meanSteps() {
        return fista != null ? fista.meanSteps() : 0;
    }

    /** Length of the last solve's FISTA loop. */
    public int iterations() {
        return fista != null ? fista.iterations() : 0;
    }
}
