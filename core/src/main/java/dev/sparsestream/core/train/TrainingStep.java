package dev.sparsestream.core.train;

import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.metrics.Psnr;
import dev.sparsestream.core.model.Decoder;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One training batch as a step function over an explicit state: the model being trained, its two Adam
 * optimisers and every batch buffer. Per batch (docs/method.md, "Learning"):
 * <ol>
 *   <li>zE = E(y); FISTA from Z0 = zE (zeros without an encoder) gives Z*;</li>
 *   <li>decoder: one Adam step on mean_i mean_p (y_i - D(z*_i))^2, then column norms (SDL, DO);</li>
 *   <li>encoder: one Adam step on mean_i mean_k (E(y_i) - z*_ik)^2.</li>
 * </ol>
 * Steps 2 and 3 share only y and Z*, so the encoder's runs on a thread of its own beside the decoder's
 * (measured: a one-epoch VDL run 6.19 s -> 5.91 s, medians of 6 alternating pairs; VDL-NL unchanged).
 */
public final class TrainingStep {
    private final SparseAutoencoder model;
    private final ModelConfig config;
    private final int n;
    private final InferenceStep inference;
    private final AdamOptimizer decoderAdam;
    private final AdamOptimizer encoderAdam;
    private final double[] rowError; // (n) each sample's squared reconstruction error

    public TrainingStep(SparseAutoencoder model, int n) {
        this.model = model;
        this.config = model.config();
        this.n = n;
        inference = new InferenceStep(model, n);
        rowError = new double[n];
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

    /** Null for decoder-only models. */
    public AdamOptimizer encoderOptimizer() {
        return encoderAdam;
    }

    /** Sets the learning rates for a 0-based epoch (the decoder's halving schedule). */
    public void startEpoch(int epoch) {
        decoderAdam.setLearningRate(config.lrDecoderAt(epoch));
    }

    /** Inference then one update of decoder and encoder on the batch y (n, d), which is not changed. */
    public BatchMetrics apply(Matrix y, FistaParams p) {
        return apply(y, null, p);
    }

    /**
     * As {@link #apply(Matrix, FistaParams)} for data with per-sample maps to pixel space.
     *
     * @param pixelScale (n, d) scales of the batch's samples for its PSNR, or null to use the normalisation's
     */
    public BatchMetrics apply(Matrix y, float[] pixelScale, FistaParams p) {
        long t0 = System.nanoTime();
        Matrix z = inference.solve(y, p);
        return update(y, pixelScale, z, inference.meanSteps(), inference.iterations(), p, t0);
    }

    /**
     * The learner's half of {@link #apply}: one update from codes z (n, l) that FISTA computed elsewhere
     * (an inference worker) for the batch y with parameters p. Neither y nor z is changed. When z came
     * from this model's current weights the result equals {@link #apply}'s.
     */
    public BatchMetrics learn(Matrix y, Matrix z, double fistaSteps, int fistaIterations, FistaParams p) {
        return learn(y, null, z, null, fistaSteps, fistaIterations, p);
    }

    /**
     * As {@link #learn(Matrix, Matrix, double, int, FistaParams)} with the batch's pixel scales (or null) and
     * the encoder pass that FISTA's warm start came from ({@link InferenceStep#encoderPass}), or null (the encoder
     * then runs again here). A pass made on y with older weights (a stale batch) gives the encoder's backward
     * pass those activations with the current weights: a delayed gradient, like the decoder's from stale codes.
     */
    public BatchMetrics learn(Matrix y, float[] pixelScale, Matrix z, float[] encoderPass, double fistaSteps,
                              int fistaIterations, FistaParams p) {
        return learnWith(y, pixelScale, z, encoderPass == null ? null : ws -> ws.restorePass(encoderPass), fistaSteps,
                fistaIterations, p);
    }

    /** As {@link #learn(Matrix, float[], Matrix, float[], double, int, FistaParams)} with the pass in device memory. */
    public BatchMetrics learnFromDevicePass(Matrix y, float[] pixelScale, Matrix z, Matrix encoderPass,
                                            double fistaSteps, int fistaIterations, FistaParams p) {
        return learnWith(y, pixelScale, z, encoderPass == null ? null : ws -> ws.restorePass(encoderPass), fistaSteps,
                fistaIterations, p);
    }

    private BatchMetrics learnWith(Matrix y, float[] pixelScale, Matrix z, Consumer<ListaEncoder.Workspace> restorePass,
                               double fistaSteps, int fistaIterations, FistaParams p) {
        long t0 = System.nanoTime();
        Matrix.requireShape(y, n, config.dataDim(), "training batch");
        Matrix.requireShape(z, n, config.codeDim(), "codes");
        // The encoder's activations for its backward pass: the worker's when it sent them.
        if (restorePass != null && inference.encoderWorkspace() != null) {
            restorePass.accept(inference.encoderWorkspace());
        } else {
            inference.encode(y);
        }
        return update(y, pixelScale, z, fistaSteps, fistaIterations, p, t0);
    }

    private BatchMetrics update(Matrix y, float[] pixelScale, Matrix z, double fistaSteps, int fistaIterations, FistaParams p, long t0) {
        Decoder.Workspace decoderWs = inference.decoderWorkspace();
        ListaEncoder.Workspace encoderWs = inference.encoderWorkspace();
        Matrix zE = inference.encoderCodes();                             // (n, l) or null
        // The encoder's update reads y, z and its own pass and writes only its own weights and buffers, the
        // decoder's likewise: on two cores they run side by side, with the same results as one after the other.
        Future<Double> encoderUpdate = encoderWs == null ? null : ENCODER_UPDATES.submit(() -> {
            double loss = encoderWs.backwardMse(y, z);
            encoderAdam.step(encoderWs.gradients());
            return loss;
        });
        Energy energy;
        double psnr;
        CodeStats codes;
        double decoderLoss;
        double encoderLoss;
        try {
            Matrix recon = decoderWs.decode(z);                           // (n, d)
            // Each sample's squared error once, for the energy and the PSNR alike.
            Matrix.rowSquaredDistances(recon, y, rowError);
            double squaredError = 0;
            for (int i = 0; i < n; i++) {
                squaredError += rowError[i];
            }
            energy = Energy.of(z, squaredError, config.dataDim(), p.gamma() > 0 ? zE : null, p);
            psnr = (pixelScale == null ? Psnr.sumOfRows(rowError, n, config.dataDim(), config.normalisation())
                    : Psnr.sum(recon, y, config.normalisation(), pixelScale)) / n;
            codes = CodeStats.of(z);

            decoderLoss = decoderWs.backwardMse(z, y);
            decoderAdam.step(decoderWs.gradients());
            if (config.columnNorm()) {
                model.decoder().normaliseColumns();
            }
            encoderLoss = encoderUpdate == null ? 0 : joined(encoderUpdate);
        } finally {
            if (encoderUpdate != null && !encoderUpdate.isDone()) {
                joinedQuietly(encoderUpdate); // a failed decoder step leaves no update running behind it
            }
        }
        return new BatchMetrics(energy, psnr, codes, fistaSteps, fistaIterations, decoderLoss, encoderLoss,
                (System.nanoTime() - t0) / 1e9);
    }

    /** One daemon thread for every step's encoder update: a step waits for its own before it returns. */
    private static final ExecutorService ENCODER_UPDATES = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparse-stream-encoder-update");
        t.setDaemon(true);
        return t;
    });

    private static void joinedQuietly(Future<Double> update) {
        try {
            update.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // reported by joined(), or superseded by the decoder's failure
        }
    }

    private static double joined(Future<Double> update) {
        try {
            return update.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the encoder's update ran", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }
}
