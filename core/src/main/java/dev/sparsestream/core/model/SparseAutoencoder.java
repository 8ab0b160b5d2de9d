package dev.sparsestream.core.model;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A sparse-coding model: its configuration, a LISTA encoder (absent for the DO families) and a linear
 * or one-hidden-layer decoder.
 */
public final class SparseAutoencoder {
    private final ModelConfig config;
    private final ListaEncoder encoder;
    private final Decoder decoder;

    public SparseAutoencoder(ModelConfig config, ListaEncoder encoder, Decoder decoder) {
        if (config.hasEncoder() != (encoder != null)) {
            throw new IllegalArgumentException(config.model() + (config.hasEncoder() ? " needs an encoder" : " has no encoder"));
        }
        if (config.nonLinear() != (decoder instanceof MlpDecoder)) {
            throw new IllegalArgumentException(config.model() + " needs a " + (config.nonLinear() ? "non-linear" : "linear") + " decoder");
        }
        if (decoder.codeDim() != config.codeDim() || decoder.dataDim() != config.dataDim()) {
            throw new IllegalArgumentException("decoder is " + decoder.dataDim() + " x " + decoder.codeDim()
                    + " but the configuration says d = " + config.dataDim() + ", l = " + config.codeDim());
        }
        if (decoder instanceof MlpDecoder mlp && mlp.hiddenDim() != config.hiddenDim()) {
            throw new IllegalArgumentException("decoder hidden size is " + mlp.hiddenDim() + " but the configuration says " + config.hiddenDim());
        }
        if (encoder != null && (encoder.codeDim() != config.codeDim() || encoder.dataDim() != config.dataDim()
                || encoder.iterations() != config.listaIterations())) {
            throw new IllegalArgumentException("encoder is " + encoder.codeDim() + " x " + encoder.dataDim() + " with "
                    + encoder.iterations() + " iterations, configuration says l = " + config.codeDim() + ", d = "
                    + config.dataDim() + ", L = " + config.listaIterations());
        }
        this.config = config;
        this.encoder = encoder;
        this.decoder = decoder;
    }

    /** Fresh weights from the configuration's seed: encoder first, then decoder; columns normalised where the family says. */
    public static SparseAutoencoder initialise(ModelConfig c) {
        Random rng = new Random(c.seed());
        ListaEncoder enc = c.hasEncoder() ? ListaEncoder.initialise(c.dataDim(), c.codeDim(), c.listaIterations(), rng) : null;
        Decoder dec = c.nonLinear()
                ? MlpDecoder.initialise(c.codeDim(), c.hiddenDim(), c.dataDim(), rng)
                : LinearDecoder.initialise(c.codeDim(), c.dataDim(), rng);
        if (c.columnNorm()) {
            dec.normaliseColumns();
        }
        return new SparseAutoencoder(c, enc, dec);
    }

    public ModelConfig config() {
        return config;
    }

    /** The device the weights live on (all of them: they are moved together by {@link #to}). */
    public Device device() {
        return decoder.device();
    }

    /**
     * This model on {@code device}: itself when it is there already, else a copy whose weights live there
     * (computation follows the weights: workspaces, FISTA and the optimiser run where the model is).
     */
    public SparseAutoencoder to(Device device) {
        if (device == device()) {
            return this;
        }
        ListaEncoder enc = encoder == null ? null : new ListaEncoder(moved(encoder.u(), device), moved(encoder.s(), device),
                moved(encoder.b(), device), encoder.iterations());
        Decoder dec = decoder instanceof MlpDecoder m
                ? new MlpDecoder(moved(m.w1(), device), moved(m.b1(), device), moved(m.w2(), device))
                : new LinearDecoder(moved(((LinearDecoder) decoder).w(), device));
        return new SparseAutoencoder(config, enc, dec);
    }

    private static Matrix moved(Matrix m, Device device) {
        return device.of(m.rows(), m.cols(), m.toArray());
    }

    /** The encoder, or null for the decoder-only families. */
    public ListaEncoder encoder() {
        return encoder;
    }

    public boolean hasEncoder() {
        return encoder != null;
    }

    public Decoder decoder() {
        return decoder;
    }

    /** Same weights (copied) under another configuration of the same shapes, e.g. new hyperparameters. */
    public SparseAutoencoder withConfig(ModelConfig c) {
        return new SparseAutoencoder(c, encoder == null ? null : encoder.copy(), decoder.copy());
    }

    public SparseAutoencoder copy() {
        return withConfig(config);
    }

    public void copyFrom(SparseAutoencoder other) {
        if (encoder != null) {
            encoder.copyFrom(other.encoder);
        }
        decoder.copyFrom(other.decoder);
    }

    /** Named parameters, encoder first: U, S, b, then W or W1, b1, W2. */
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>();
        if (encoder != null) {
            names.addAll(List.of("U", "S", "b"));
        }
        names.addAll(decoder.parameterNames());
        return names;
    }

    public List<Matrix> parameters() {
        List<Matrix> ps = new ArrayList<>();
        if (encoder != null) {
            ps.addAll(encoder.parameters());
        }
        ps.addAll(decoder.parameters());
        return ps;
    }

    /** A copy of the parameters as version {@code version}. */
    /**
     * FISTA's start for a batch of n of a model without an encoder ({@link ModelConfig#fistaStart}), on this
     * model's device; null for a model with one (it starts from the encoder's codes).
     */
    public Matrix fistaStart(int n) {
        if (hasEncoder()) {
            return null;
        }
        Matrix start = decoder().device().zeros(n, config().codeDim());
        start.fill((float) config().fistaStart());
        return start;
    }

    public Weights exportWeights(long version) {
        List<Matrix> ps = parameters();
        float[][] values = new float[ps.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = ps.get(i).toArray();
        }
        return new Weights(version, parameterNames(), values);
    }

    /** Overwrites the parameters with {@code w}, which must have the same names and sizes. */
    public void importWeights(Weights w) {
        List<String> names = parameterNames();
        if (!names.equals(w.names())) {
            throw new IllegalArgumentException("weights hold " + w.names() + ", the model has " + names);
        }
        List<Matrix> ps = parameters();
        for (int i = 0; i < ps.size(); i++) {
            if (w.values()[i].length != ps.get(i).size()) {
                throw new IllegalArgumentException("weights " + names.get(i) + " have " + w.values()[i].length
                        + " values, the model's " + ps.get(i).rows() + " x " + ps.get(i).cols());
            }
        }
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).data().put(0, w.values()[i]);
        }
    }
}
