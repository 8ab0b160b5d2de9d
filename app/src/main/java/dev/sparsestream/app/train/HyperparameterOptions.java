package dev.sparsestream.app.train;

import dev.sparsestream.core.model.ModelConfig;
import picocli.CommandLine.Option;

/** Overrides of a preset's values; every option left out keeps the preset's (Table 3) value. */
public final class HyperparameterOptions {
    @Option(names = "--lambda", description = "Sparsity weight lambda (the L1 term).")
    public Double lambda;

    @Option(names = "--epochs", description = "Number of epochs (preset: 200).")
    public Integer epochs;

    @Option(names = "--seed", description = "Seed for initialisation and batch order (default 1).")
    public Long seed;

    @Option(names = "--code-size", description = "Code dimension l (MNIST: 128).")
    Integer codeSize;

    @Option(names = "--hidden-size", description = "Hidden size m of the non-linear decoder (MNIST: 1024).")
    Integer hiddenSize;

    @Option(names = "--eta", description = "FISTA step size eta.")
    Double eta;

    @Option(names = "--backtracking", description = "FISTA halves a sample's step where it overshoots the "
            + "reconstruction's quadratic bound (eta is then each solve's first step). Off in the paper's settings; for "
            + "decoders that outgrow eta (VDL-NL at lambda 0.02 after about 20 epochs, docs/full-length.md).")
    Boolean backtracking;

    @Option(names = "--lr-decoder", description = "Decoder learning rate.")
    Double lrDecoder;

    @Option(names = "--lr-encoder", description = "Encoder learning rate.")
    Double lrEncoder;

    @Option(names = "--beta", description = "Weight beta of the variance hinge.")
    Double beta;

    @Option(names = "--gamma", description = "Weight gamma of the distance to the encoder's codes.")
    Double gamma;

    @Option(names = {"--hinge-t", "-T"}, description = "Target standard deviation T of the variance hinge.")
    Double hingeT;

    @Option(names = "--wd-decoder", description = "L2 weight decay of the decoder's weight matrices (WDL: 5e-4).")
    Double wdDecoder;

    @Option(names = "--wd-decoder-bias", description = "L2 weight decay of the non-linear decoder's bias b1.")
    Double wdDecoderBias;

    @Option(names = "--wd-encoder-bias", description = "L2 weight decay of the encoder's bias b.")
    Double wdEncoderBias;

    @Option(names = "--lr-halving-every", description = "Halve the decoder learning rate every N epochs (0: never).")
    Integer lrHalvingEvery;

    @Option(names = "--patience", description = "Stop after N epochs without a better validation energy (0: run all epochs).")
    Integer patience;

    @Option(names = "--max-steps", description = "Most FISTA steps S_max (200).")
    Integer maxSteps;

    @Option(names = "--tolerance", description = "Per-sample FISTA convergence tolerance (1e-3).")
    Double tolerance;

    @Option(names = "--lista-iterations", description = "LISTA iterations L (3).")
    Integer listaIterations;

    ModelConfig apply(ModelConfig preset) {
        ModelConfig.Builder b = preset.toBuilder();
        if (lambda != null) b.lambda = lambda;
        if (epochs != null) b.epochs = epochs;
        if (seed != null) b.seed = seed;
        if (codeSize != null) b.codeDim = codeSize;
        if (hiddenSize != null) b.hiddenDim = hiddenSize;
        if (eta != null) b.eta = eta;
        if (backtracking != null) b.backtracking = backtracking;
        if (lrDecoder != null) b.lrDecoder = lrDecoder;
        if (lrEncoder != null) b.lrEncoder = lrEncoder;
        if (beta != null) b.beta = beta;
        if (gamma != null) b.gamma = gamma;
        if (hingeT != null) b.hingeT = hingeT;
        if (wdDecoder != null) b.wdDecoder = wdDecoder;
        if (wdDecoderBias != null) b.wdDecoderBias = wdDecoderBias;
        if (wdEncoderBias != null) b.wdEncoderBias = wdEncoderBias;
        if (lrHalvingEvery != null) b.lrHalvingEvery = lrHalvingEvery;
        if (patience != null) b.patience = patience;
        if (maxSteps != null) b.maxSteps = maxSteps;
        if (tolerance != null) b.tolerance = tolerance;
        if (listaIterations != null) b.listaIterations = listaIterations;
        return b.build();
    }
}
