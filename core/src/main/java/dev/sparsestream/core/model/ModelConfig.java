package dev.sparsestream.core.model;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.OptBoolean;
import dev.sparsestream.core.data.Normalisation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Every hyperparameter of a model and its training, validated on construction. Written next to every
 * saved model and report (provenance). Names follow the paper: lambda (sparsity), beta and hingeT
 * (variance hinge), gamma (distance to the encoder), eta (FISTA step size).
 *
 * @param wdDecoder     L2 weight decay on the decoder's weight matrices (WDL family: 5e-4)
 * @param wdDecoderBias L2 weight decay on the non-linear decoder's bias b1
 * @param wdEncoderBias L2 weight decay on the encoder's bias b
 * @param lrHalvingEvery halve the decoder learning rate every this many epochs (0: never)
 * @param patience      stop after this many epochs without a better validation energy (0: never)
 * @param backtracking  FISTA halves a sample's step where it overshoots (docs/method.md, "Backtracking"); off
 *                      in every preset, as in the paper. Files written before it existed have no such field and
 *                      read as false, which is what they ran with ({@link #BACKTRACKING_DEFAULT}).
 */
public record ModelConfig(
        Family model,
        String dataset,
        int dataDim,
        int codeDim,
        int hiddenDim,
        int listaIterations,
        double lambda,
        double beta,
        double hingeT,
        double gamma,
        double eta,
        int maxSteps,
        double tolerance,
        @AbsentInOldFiles boolean backtracking,
        double lrDecoder,
        double lrEncoder,
        double wdDecoder,
        double wdDecoderBias,
        double wdEncoderBias,
        int lrHalvingEvery,
        int batchSize,
        int epochs,
        int patience,
        long seed,
        Normalisation normalisation) {

    public ModelConfig {
        if (model == null) {
            throw new IllegalArgumentException("model must be given");
        }
        positive("dataDim", dataDim);
        positive("codeDim", codeDim);
        if (model.nonLinear()) {
            positive("hiddenDim", hiddenDim);
        } else if (hiddenDim != 0) {
            throw new IllegalArgumentException("hiddenDim is only for non-linear decoders (-NL models); " + model + " has none");
        }
        nonNegative("listaIterations", listaIterations);
        nonNegative("lambda", lambda);
        nonNegative("beta", beta);
        nonNegative("hingeT", hingeT);
        nonNegative("gamma", gamma);
        positiveReal("eta", eta);
        positive("maxSteps", maxSteps);
        positiveReal("tolerance", tolerance);
        nonNegative("lrDecoder", lrDecoder);
        nonNegative("lrEncoder", lrEncoder);
        nonNegative("wdDecoder", wdDecoder);
        nonNegative("wdDecoderBias", wdDecoderBias);
        nonNegative("wdEncoderBias", wdEncoderBias);
        nonNegative("lrHalvingEvery", lrHalvingEvery);
        if (batchSize < 2) {
            throw new IllegalArgumentException("batchSize must be at least 2 (the variance hinge is a batch statistic), got " + batchSize);
        }
        positive("epochs", epochs);
        nonNegative("patience", patience);
        if (normalisation == null) {
            throw new IllegalArgumentException("normalisation must be given");
        }
        if (!model.hasEncoder() && gamma != 0) {
            throw new IllegalArgumentException(model + " has no encoder, so gamma must be 0 (got " + gamma + ")");
        }
    }

    /** The injected value (core's Json mapper: false) that stands for a missing "backtracking" field. */
    public static final String BACKTRACKING_DEFAULT = "ModelConfig.backtracking.default";

    /**
     * Jackson takes the field from the file when it is there, else the injected default. Its target is the
     * constructor's parameter only: on the record's field as well, Jackson would try to inject into a final field.
     */
    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    @JacksonAnnotationsInside
    @JacksonInject(value = BACKTRACKING_DEFAULT, useInput = OptBoolean.TRUE)
    @interface AbsentInOldFiles {
    }

    public boolean hasEncoder() {
        return model.hasEncoder();
    }

    public boolean nonLinear() {
        return model.nonLinear();
    }

    /**
     * Where FISTA starts for a model without an encoder: every code component at this value. Zero for DO;
     * for DO-NL a positive constant, since from z = 0 with b1 = 0 every hidden unit sits at relu's kink
     * (relu'(0) = 0) and neither FISTA nor the decoder would ever get a gradient (docs/method.md). Models
     * with an encoder start from its codes.
     */
    /**
     * DO-NL's FISTA start. Measured (`train --model DO-NL --train-samples 10000 --epochs 2 --lambda 0.001`):
     * from 0.1 and from 0.5 the same run to 0.05 dB (test 20.00 dB, no dead component); from 0, nothing moves.
     */
    public static final double DO_NL_FISTA_START = 0.1;

    public double fistaStart() {
        return model == Family.DO_NL ? DO_NL_FISTA_START : 0;
    }

    public boolean columnNorm() {
        return model.bound() == Family.Bound.COLUMN_NORM;
    }

    /** Decoder learning rate in a 0-based epoch, with the halving schedule. */
    public double lrDecoderAt(int epoch) {
        return lrHalvingEvery > 0 ? lrDecoder * Math.pow(0.5, epoch / lrHalvingEvery) : lrDecoder;
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    private static void nonNegative(String name, int v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + v);
        }
    }

    private static void positiveReal(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite number > 0, got " + v);
        }
    }

    public ModelConfig withLambda(double v) {
        return new ModelConfig(model, dataset, dataDim, codeDim, hiddenDim, listaIterations, v, beta, hingeT, gamma, eta,
                maxSteps, tolerance, backtracking, lrDecoder, lrEncoder, wdDecoder, wdDecoderBias, wdEncoderBias, lrHalvingEvery,
                batchSize, epochs, patience, seed, normalisation);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable builder for overriding preset values one at a time (command-line options). */
    public static final class Builder {
        public Family model;
        public String dataset;
        public int dataDim;
        public int codeDim;
        public int hiddenDim;
        public int listaIterations;
        public double lambda;
        public double beta;
        public double hingeT;
        public double gamma;
        public double eta;
        public int maxSteps;
        public double tolerance;
        public boolean backtracking;
        public double lrDecoder;
        public double lrEncoder;
        public double wdDecoder;
        public double wdDecoderBias;
        public double wdEncoderBias;
        public int lrHalvingEvery;
        public int batchSize;
        public int epochs;
        public int patience;
        public long seed;
        public Normalisation normalisation;

        private Builder(ModelConfig c) {
            model = c.model;
            dataset = c.dataset;
            dataDim = c.dataDim;
            codeDim = c.codeDim;
            hiddenDim = c.hiddenDim;
            listaIterations = c.listaIterations;
            lambda = c.lambda;
            beta = c.beta;
            hingeT = c.hingeT;
            gamma = c.gamma;
            eta = c.eta;
            maxSteps = c.maxSteps;
            tolerance = c.tolerance;
            backtracking = c.backtracking;
            lrDecoder = c.lrDecoder;
            lrEncoder = c.lrEncoder;
            wdDecoder = c.wdDecoder;
            wdDecoderBias = c.wdDecoderBias;
            wdEncoderBias = c.wdEncoderBias;
            lrHalvingEvery = c.lrHalvingEvery;
            batchSize = c.batchSize;
            epochs = c.epochs;
            patience = c.patience;
            seed = c.seed;
            normalisation = c.normalisation;
        }

        public ModelConfig build() {
            return new ModelConfig(model, dataset, dataDim, codeDim, hiddenDim, listaIterations, lambda, beta, hingeT,
                    gamma, eta, maxSteps, tolerance, backtracking, lrDecoder, lrEncoder, wdDecoder, wdDecoderBias, wdEncoderBias,
                    lrHalvingEvery, batchSize, epochs, patience, seed, normalisation);
        }
    }
}
