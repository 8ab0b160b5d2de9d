package dev.sparsestream.core.eval;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.tensor.Matrix;
import dev.sparsestream.core.train.Encoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Low-data classification (docs/method.md; the paper's Figure 9): for N samples per class (the first N of each
 * class in the training split's order) and for the full split, a linear classifier on each method's features,
 * over several seeds; top-1 and top-3 test error as mean and spread.
 */
public final class LowDataClassification {
    private LowDataClassification() {
    }

    /** The paper's samples per class; {@link #FULL} stands for the whole training split. */
    public static final List<Integer> PAPER_SIZES = List.of(1, 2, 5, 10, 20, 50, 100, 0);
    public static final int FULL = 0;

    /**
     * A way to get features: fixed rows (raw pixels, or a frozen model's codes; the three datasets row for row with
     * the data), or, when {@code listaCodeDim > 0}, a LISTA encoder of that size trained with the classifier on
     * the raw rows.
     */
    public record Method(String name, Dataset train, Dataset val, Dataset test, int listaCodeDim, int listaIterations) {
        public static Method fixed(String name, Dataset train, Dataset val, Dataset test) {
            return new Method(name, train, val, test, 0, 0);
        }
    }

    /**
     * @param perClass N, or {@link #FULL}
     * @param top1     one test error per seed
     * @param valTop1  one validation error per seed, of the epoch kept (what selects among models)
     */
    public record Cell(String method, int perClass, int trainSamples, long[] seeds, double[] top1, double[] top3,
                       int[] bestEpochs, double[] valTop1) {
        public double valTop1Mean() {
            return mean(valTop1);
        }

        public double top1Mean() {
            return mean(top1);
        }

        public double top1Std() {
            return std(top1);
        }

        public double top3Mean() {
            return mean(top3);
        }

        public double top3Std() {
            return std(top3);
        }
    }

    /** Mean of the values. */
    public static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    public static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1));
    }

    /**
     * Indices of the first {@code perClass} rows of each class 0..classes-1, in the data's order.
     *
     * @throws IllegalArgumentException when a class has fewer rows
     */
    public static int[] firstPerClass(Dataset data, int perClass, int classes) {
        if (perClass < 1) {
            throw new IllegalArgumentException("samples per class must be >= 1, got " + perClass);
        }
        int[] count = new int[classes];
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            int c = data.label(i);
            if (c >= 0 && c < classes && count[c] < perClass) {
                count[c]++;
                picked.add(i);
            }
        }
        for (int c = 0; c < classes; c++) {
            if (count[c] < perClass) {
                throw new IllegalArgumentException(data.name() + " has only " + count[c] + " samples of class " + c
                        + ", fewer than " + perClass);
            }
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Number of classes: one more than the largest label. */
    public static int classes(Dataset data) {
        int max = -1;
        for (int i = 0; i < data.size(); i++) {
            max = Math.max(max, data.label(i));
        }
        return max + 1;
    }

    /**
     * Codes of every row of data from a frozen model (its encoder; FISTA from zero for the decoder-only
     * families), as a labelled dataset of dimension l.
     */
    public static Dataset codes(SparseAutoencoder model, Dataset data, int batchSize) {
        int n = data.size();
        Matrix x = Matrix.zeros(n, data.dim());
        data.copyRows(0, n, x.data());
        Matrix z = Matrix.zeros(n, model.config().codeDim());
        Encoding.encode(model, x, z, !model.hasEncoder(), batchSize);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = data.label(i);
        }
        return new Dataset(data.name() + " codes", z.toArray(), n, model.config().codeDim(), labels);
    }

    /**
     * Every method at every size and seed.
     *
     * @param sizes    samples per class ({@link #FULL}: the whole training split)
     * @param progress told of every finished cell
     */
    public static List<Cell> run(List<Method> methods, List<Integer> sizes, long[] seeds, int epochs, int classes,
                                 Consumer<Cell> progress) {
        if (seeds.length == 0) {
            throw new IllegalArgumentException("give at least one seed");
        }
        List<Cell> cells = new ArrayList<>();
        for (Method m : methods) {
            for (int size : sizes) {
                Dataset train = size == FULL ? m.train()
                        : m.train().select(m.train().name() + "[" + size + "/class]", firstPerClass(m.train(), size, classes));
                double[] top1 = new double[seeds.length];
                double[] top3 = new double[seeds.length];
                double[] valTop1 = new double[seeds.length];
                int[] best = new int[seeds.length];
                for (int s = 0; s < seeds.length; s++) {
                    LinearProbe.Config c = new LinearProbe.Config(epochs, LinearProbe.Config.LEARNING_RATE,
                            LinearProbe.Config.BATCH, seeds[s]);
                    LinearProbe.Result r = m.listaCodeDim() > 0
                            ? LinearProbe.trainWithLista(train, m.val(), m.test(), classes, m.listaCodeDim(), m.listaIterations(), c)
                            : LinearProbe.train(train, m.val(), m.test(), classes, c);
                    top1[s] = r.top1Error();
                    top3[s] = r.top3Error();
                    valTop1[s] = r.valTop1Error();
                    best[s] = r.bestEpoch();
                }
                Cell cell = new Cell(m.name(), size, train.size(), seeds.clone(), top1, top3, best, valTop1);
                cells.add(cell);
                progress.accept(cell);
            }
        }
        return cells;
    }
}
