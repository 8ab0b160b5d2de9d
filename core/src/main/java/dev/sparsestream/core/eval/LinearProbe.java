package dev.sparsestream.core.eval;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.ListaEncoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.AdamOptimizer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A linear classifier with bias, logits = F W^T + b, trained by Adam on the mean cross-entropy (docs/method.md,
 * "Low-data classification"): batches of {@code batchSize} reshuffled every epoch (the last one smaller, as
 * PyTorch's DataLoader gives it), and the weights of the epoch with the lowest validation loss kept and tested.
 * F is either the data as given (fixed features: raw pixels, or codes of a frozen pretrained model) or the
 * output of a LISTA encoder trained with it from a random start (the paper's "LISTA + Linear" baseline).
 */
public final class LinearProbe {
    /**
     * @param epochs       passes over the training samples
     * @param learningRate Adam's (PyTorch's defaults otherwise; no weight decay)
     * @param batchSize    samples per step
     * @param seed         initialisation and shuffling
     */
    public record Config(int epochs, double learningRate, int batchSize, long seed) {
        public static final int EPOCHS = 100;
        public static final double LEARNING_RATE = 1e-3;
        public static final int BATCH = 250;

        public Config {
            if (epochs < 1) {
                throw new IllegalArgumentException("classifier epochs must be >= 1, got " + epochs);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("classifier learning rate must be > 0, got " + learningRate);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("classifier batch size must be >= 1, got " + batchSize);
            }
        }

        public static Config paper(long seed) {
            return new Config(EPOCHS, LEARNING_RATE, BATCH, seed);
        }
    }

    /**
     * Test figures of the kept (best validation loss) epoch.
     *
     * @param valTop1Error the kept epoch's top-1 error on the validation set (what model selection compares)
     * @param top1Error    fraction of test samples whose label is not the top logit
     * @param top3Error    fraction whose label is not among the three top logits
     */
    public record Result(int trainSamples, int bestEpoch, double bestValLoss, double valTop1Error, double top1Error,
                         double top3Error) {
    }

    private final int classes;
    private final int features;
    private final ListaEncoder lista; // trainable front, or null for fixed features
    private final Matrix w;           // (c, f)
    private final Matrix b;           // (1, c)
    private final List<Matrix> params = new ArrayList<>();
    private final Map<Integer, Buffers> buffers = new HashMap<>();

    private LinearProbe(int classes, int features, ListaEncoder lista, Random rng) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        this.classes = classes;
        this.features = features;
        this.lista = lista;
        // PyTorch's nn.Linear: W and b uniform in +-1/sqrt(fan_in)
        double bound = 1 / Math.sqrt(features);
        w = Matrix.uniform(classes, features, bound, rng);
        b = Matrix.uniform(1, classes, bound, rng);
        if (lista != null) {
            params.addAll(lista.parameters());
        }
        params.add(w);
        params.add(b);
    }

    /** A linear classifier on the rows of the datasets as they are (their dimension is the feature count). */
    public static Result train(Dataset train, Dataset val, Dataset test, int classes, Config c) {
        Random rng = new Random(c.seed());
        return new LinearProbe(classes, train.dim(), null, rng).fit(train, val, test, c, rng);
    }

    /** A LISTA encoder of {@code codeDim} components and {@code iterations} iterations, then a linear layer, from scratch. */
    public static Result trainWithLista(Dataset train, Dataset val, Dataset test, int classes, int codeDim, int iterations,
                                        Config c) {
        Random rng = new Random(c.seed());
        ListaEncoder enc = ListaEncoder.initialise(train.dim(), codeDim, iterations, rng);
        return new LinearProbe(classes, codeDim, enc, rng).fit(train, val, test, c, rng);
    }

    private Result fit(Dataset train, Dataset val, Dataset test, Config c, Random rng) {
        for (Dataset data : List.of(train, val, test)) {
            if (!data.hasLabels()) {
                throw new IllegalArgumentException(data.name() + " has no labels to classify");
            }
            if (data.dim() != train.dim()) {
                throw new IllegalArgumentException(data.name() + " has " + data.dim() + " values per row, the training set "
                        + train.dim());
            }
            for (int i = 0; i < data.size(); i++) {
                if (data.label(i) < 0 || data.label(i) >= classes) {
                    throw new IllegalArgumentException(data.name() + " row " + i + " has label " + data.label(i)
                            + ", outside 0.." + (classes - 1));
                }
            }
        }
        AdamOptimizer adam = new AdamOptimizer(params, new double[params.size()], c.learningRate());
        List<Matrix> best = new ArrayList<>();
        for (Matrix p : params) {
            best.add(p.copy());
        }
        double bestLoss = Double.POSITIVE_INFINITY;
        double bestValTop1 = Double.NaN;
        int bestEpoch = 0;
        int n = train.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int epoch = 1; epoch <= c.epochs(); epoch++) {
            shuffle(order, rng);
            for (int from = 0; from < n; from += c.batchSize()) {
                int m = Math.min(c.batchSize(), n - from);
                Buffers buf = buffers(m);
                train.copyRows(order, from, m, buf.x.data());
                for (int i = 0; i < m; i++) {
                    buf.labels[i] = train.label(order[from + i]);
                }
                lossAndGradients(buf);
                adam.step(buf.gradients);
            }
            double[] v = evaluate(val, c.batchSize());
            double loss = v[0];
            if (loss < bestLoss) { // NaN never improves
                bestLoss = loss;
                bestValTop1 = v[1];
                bestEpoch = epoch;
                for (int p = 0; p < params.size(); p++) {
                    best.get(p).copyFrom(params.get(p));
                }
            }
        }
        if (bestEpoch == 0) {
            throw new IllegalStateException("the classifier's validation loss was never finite; try a smaller learning rate");
        }
        for (int p = 0; p < params.size(); p++) {
            params.get(p).copyFrom(best.get(p));
        }
        double[] t = evaluate(test, c.batchSize());
        return new Result(n, bestEpoch, bestLoss, bestValTop1, t[1], t[2]);
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Mean cross-entropy, top-1 error and top-3 error over all rows of data. */
    double[] evaluate(Dataset data, int batchSize) {
        double loss = 0;
        long wrong1 = 0;
        long wrong3 = 0;
        int n = data.size();
        for (int from = 0; from < n; from += batchSize) {
            int m = Math.min(batchSize, n - from);
            Buffers buf = buffers(m);
            data.copyRows(from, m, buf.x.data());
            Matrix logits = forward(buf);
            FloatBuffer g = logits.data();
            for (int i = 0; i < m; i++) {
                int label = data.label(from + i);
                int o = i * classes;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < classes; k++) {
                    max = Math.max(max, g.get(o + k));
                }
                double sum = 0;
                int above = 0; // classes ranked above the true one (ties count against it)
                float mine = g.get(o + label);
                for (int k = 0; k < classes; k++) {
                    sum += Math.exp(g.get(o + k) - max);
                    if (k != label && g.get(o + k) >= mine) {
                        above++;
                    }
                }
                loss += Math.log(sum) + max - mine;
                wrong1 += above >= 1 ? 1 : 0;
                wrong3 += above >= 3 ? 1 : 0;
            }
        }
        return new double[] {loss / n, (double) wrong1 / n, (double) wrong3 / n};
    }

    /** logits (m, c) = F W^T + b for the rows in buf.x. */
    private Matrix forward(Buffers buf) {
        Matrix f = buf.encoder != null ? buf.encoder.forward(buf.x) : buf.x; // (m, f)
        Matrix.gemm(f, false, w, true, buf.logits, 1f, 0f);
        FloatBuffer g = buf.logits.data();
        FloatBuffer bias = b.data();
        for (int i = 0, o = 0; i < buf.m; i++) {
            for (int k = 0; k < classes; k++, o++) {
                g.put(o, g.get(o) + bias.get(k));
            }
        }
        return buf.logits;
    }

    /**
     * Loss mean_i [log sum_k exp(logit_ik) - logit_i,label_i] of the batch in buf, and its gradients into
     * buf.gradients (encoder's, then W's and b's): dlogits = (softmax - onehot) / m; dW = dlogits^T F;
     * db = sum_i dlogits_i; dF = dlogits W, backpropagated through the encoder when there is one.
     */
    double lossAndGradients(Buffers buf) {
        int m = buf.m;
        Matrix logits = forward(buf);
        FloatBuffer g = logits.data();
        FloatBuffer dl = buf.dLogits.data();
        double loss = 0;
        for (int i = 0; i < m; i++) {
            int o = i * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, g.get(o + k));
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(g.get(o + k) - max);
            }
            int label = buf.labels[i];
            loss += Math.log(sum) + max - g.get(o + label);
            for (int k = 0; k < classes; k++) {
                double softmax = Math.exp(g.get(o + k) - max) / sum;
                dl.put(o + k, (float) ((softmax - (k == label ? 1 : 0)) / m));
            }
        }
        Matrix f = buf.encoder != null ? buf.encoder.output() : buf.x;           // (m, f)
        Matrix.gemm(buf.dLogits, true, f, false, buf.gradW, 1f, 0f);            // (c, f)
        FloatBuffer gb = buf.gradB.data();
        for (int k = 0; k < classes; k++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += dl.get(i * classes + k);
            }
            gb.put(k, (float) s);
        }
        if (buf.encoder != null) {
            Matrix.gemm(buf.dLogits, false, w, false, buf.dFeatures, 1f, 0f);   // (m, f)
            buf.encoder.backward(buf.x, buf.dFeatures);
        }
        return loss / m;
    }

    Buffers buffers(int m) {
        return buffers.computeIfAbsent(m, Buffers::new);
    }

    /** Everything a batch of m rows needs, allocated once per batch size. */
    final class Buffers {
        final int m;
        final Matrix x;          // (m, d) inputs
        final int[] labels;
        final ListaEncoder.Workspace encoder;
        final Matrix logits;     // (m, c)
        final Matrix dLogits;    // (m, c)
        final Matrix dFeatures;  // (m, f)
        final Matrix gradW;      // (c, f)
        final Matrix gradB;      // (1, c)
        final List<Matrix> gradients = new ArrayList<>();

        Buffers(int m) {
            this.m = m;
            x = Matrix.zeros(m, lista != null ? lista.dataDim() : features);
            labels = new int[m];
            encoder = lista != null ? lista.workspace(m) : null;
            logits = Matrix.zeros(m, classes);
            dLogits = Matrix.zeros(m, classes);
            dFeatures = Matrix.zeros(m, features);
            gradW = Matrix.zeros(classes, features);
            gradB = Matrix.zeros(1, classes);
            if (encoder != null) {
                gradients.addAll(encoder.gradients());
            }
            gradients.add(gradW);
            gradients.add(gradB);
        }
    }

    // for tests
    static LinearProbe forTest(int classes, int features, ListaEncoder lista, Random rng) {
        return new LinearProbe(classes, features, lista, rng);
    }

    List<Matrix> parameters() {
        return params;
    }
}
