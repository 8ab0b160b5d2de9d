package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.TrainingData;
import dev.sparsestream.app.train.DeviceOption;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.eval.LowDataClassification;
import dev.sparsestream.core.eval.LowDataClassification.Cell;
import dev.sparsestream.core.eval.LowDataClassification.Method;
import dev.sparsestream.core.eval.ModelSelection;
import dev.sparsestream.core.eval.ModelSelection.Candidate;
import dev.sparsestream.core.eval.ModelSelection.Choice;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.viz.Charts;
import dev.sparsestream.core.viz.ImageGrid;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Low-data classification on MNIST, the paper's Figure 9: a linear classifier with bias on the codes of",
                "each frozen model (encoder codes; FISTA from zero for DO models), trained with Adam (lr 1e-3, batches of",
                "250, cross-entropy) on the first N training-split images of each class and on the full split; the",
                "epoch with the lowest validation loss is kept and tested (the paper's code tests the last epoch).",
                "Baselines: a linear classifier on raw pixels, and a randomly initialised LISTA encoder (l = 128, L = 3)",
                "with a linear layer, trained together from scratch. Top-1 and top-3 test error, mean and sample std",
                "over the seeds. Writes OUT/classify.json (every seed), OUT/classify.csv and OUT/classify.png (error",
                "against samples per class on a log axis; the full split is drawn at 55000 / 10 per class).",
                "With --sweep, as the paper's Figure 9: every evaluated run of the sweep competes within its family, and",
                "for each family and number of samples per class the run whose classifier has the best mean validation",
                "accuracy is reported; OUT/selection.csv says which lambda won each cell."})
public final class EvalClassifyCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "A saved MNIST model (RUN/model or RUN); repeat for several (default: baselines only).")
    List<Path> models = new ArrayList<>();

    @Option(names = "--sweep", paramLabel = "DIR",
            description = "A sweep folder (made by 'sparse-stream sweep' on MNIST): its evaluated runs compete per family and size; repeat for several.")
    List<Path> sweeps = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder for the results (default: SWEEP/classify, the first model's eval folder, or runs/classify).")
    Path out;

    @Option(names = "--sizes", split = ",", defaultValue = "1,2,5,10,20,50,100,full", paramLabel = "N",
            description = "Samples per class, comma separated; 'full' for the whole split (default 1,2,5,10,20,50,100,full).")
    List<String> sizes;

    @Option(names = "--seeds", defaultValue = "5", paramLabel = "K", description = "Seeds 0..K-1 per cell (default 5).")
    int seeds;

    @Option(names = "--epochs", defaultValue = "100", description = "Classifier epochs (default 100).")
    int epochs;

    @Option(names = "--no-baselines", description = "Leave out 'Linear on raw' and 'LISTA + Linear on raw'.")
    boolean noBaselines;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (default $SPARSE_STREAM_DATA or ./data).")
    Path dataDir;

    static final String RAW = "Linear on raw";
    static final String LISTA = "LISTA + Linear on raw";

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        List<Integer> perClass = parseSizes(sizes);
        var onDevice = device.open();
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (models.isEmpty() && sweeps.isEmpty() && noBaselines) {
            throw new IllegalArgumentException("nothing to classify with: give --model DIR or --sweep DIR, or leave out"
                    + " --no-baselines");
        }
        List<SweepRun> runs = new ArrayList<>();
        for (Path sweep : sweeps) {
            runs.addAll(SweepRun.evaluated(sweep));
        }
        Map<String, SparseAutoencoder> loaded = new LinkedHashMap<>();
        List<Path> modelDirs = models.stream().map(EvalFiles::modelDir).toList(); // RUN or RUN/model
        for (Path dir : modelDirs) {
            SparseAutoencoder m = ModelStore.load(dir).to(onDevice);
            if (!m.config().dataset().equals("mnist")) {
                throw new IllegalArgumentException(dir + " was trained on " + m.config().dataset() + "; classification"
                        + " needs labels, which only MNIST has here");
            }
            String name = "Linear on " + EvalFiles.label(m.config());
            if (loaded.containsKey(name)) {
                name += " (" + dir + ")";
            }
            loaded.put(name, m);
        }
        Path target = out != null ? out : !sweeps.isEmpty() ? sweeps.get(0).resolve("classify")
                : modelDirs.isEmpty() ? Path.of("runs", "classify") : EvalFiles.defaultOut(modelDirs.get(0));
        TrainingData data = TrainingData.load("mnist", null, dataDir != null ? dataDir : MnistData.defaultDataDir(), 0, 0,
                0, dev.sparsestream.core.eval.LinearProbe.Config.BATCH);
        Splits s = data.splits();
        int classes = LowDataClassification.classes(s.train());

        List<Method> methods = new ArrayList<>();
        if (!noBaselines) {
            methods.add(Method.fixed(RAW, s.train(), s.val(), s.test()));
            methods.add(new Method(LISTA, s.train(), s.val(), s.test(), Presets.MNIST_CODE, 3));
        }
        for (var e : loaded.entrySet()) {
            SparseAutoencoder m = e.getValue();
            System.out.println("codes of the training, validation and test splits from " + e.getKey() + " ...");
            int n = m.config().batchSize();
            methods.add(Method.fixed(e.getKey(), LowDataClassification.codes(m, s.train(), n),
                    LowDataClassification.codes(m, s.val(), n), LowDataClassification.codes(m, s.test(), n)));
        }
        long[] seedList = new long[seeds];
        for (int i = 0; i < seeds; i++) {
            seedList[i] = i;
        }
        List<Cell> cells = new ArrayList<>(LowDataClassification.run(methods, perClass, seedList, epochs, classes,
                EvalClassifyCommand::print));
        // a sweep's runs one at a time: only one model's codes are held at once
        List<Candidate> candidates = new ArrayList<>();
        for (SweepRun r : runs) {
            SparseAutoencoder m = ModelStore.load(r.modelDir()).to(onDevice);
            String name = "Linear on " + EvalFiles.label(m.config()) + " seed " + r.seed();
            System.out.println("codes of the training, validation and test splits from " + name + " (" + r.modelDir() + ") ...");
            int n = m.config().batchSize();
            Method method = Method.fixed(name, LowDataClassification.codes(m, s.train(), n),
                    LowDataClassification.codes(m, s.val(), n), LowDataClassification.codes(m, s.test(), n));
            candidates.add(new Candidate(r.family(), r.lambda(), r.seed(), r.modelDir().toString(),
                    LowDataClassification.run(List.of(method), perClass, seedList, epochs, classes, EvalClassifyCommand::print)));
        }
        List<Choice> choices = ModelSelection.choose(candidates);
        if (!choices.isEmpty()) {
            System.out.println("chosen by validation accuracy (the paper's Figure 9):");
        }
        for (Choice c : choices) {
            Cell w = c.cell();
            // the chosen cell stands for its family on the chart and in the table
            cells.add(new Cell("Linear on " + c.family(), w.perClass(), w.trainSamples(), w.seeds(), w.top1(), w.top3(),
                    w.bestEpochs(), w.valTop1()));
            System.out.printf("  %-7s %5s per class: lambda %-6s (of %d) validation top-1 %5.2f%%, test top-1 %5.2f%%,"
                            + " top-3 %5.2f%%%n", c.family(), size(w.perClass()), EvalFiles.number(c.lambda()), c.candidates(),
                    100 * w.valTop1Mean(), 100 * w.top1Mean(), 100 * w.top3Mean());
        }
        write(target, cells, modelDirs, epochs, data.source());
        if (!runs.isEmpty()) {
            writeSelection(target, sweeps, candidates, choices);
        }
        System.out.println("results in " + target);
        return 0;
    }

    private static void print(Cell c) {
        System.out.printf("%-34s %5s per class (%5d samples): top-1 %5.2f%% +- %.2f, top-3 %5.2f%% +- %.2f%n",
                c.method(), size(c.perClass()), c.trainSamples(), 100 * c.top1Mean(), 100 * c.top1Std(),
                100 * c.top3Mean(), 100 * c.top3Std());
    }

    private static Object size(int perClass) {
        return perClass == LowDataClassification.FULL ? "full" : perClass;
    }

    /** Which run won each family's cell, and every candidate's cells, beside classify.json. */
    static void writeSelection(Path out, List<Path> sweeps, List<Candidate> candidates, List<Choice> choices)
            throws Exception {
        ObjectNode root = EvalFiles.provenance("eval classify --sweep", null, null, null);
        var sw = root.putArray("sweeps");
        sweeps.forEach(p -> sw.add(p.toString()));
        root.put("rule", "per family and samples per class, the run with the lowest mean validation top-1 error"
                + " over the classifier's seeds; ties go to the run listed first");
        root.set("choices", Json.mapper().valueToTree(choices));
        root.set("candidates", Json.mapper().valueToTree(candidates));
        EvalFiles.json(out.resolve("selection.json"), root);
        List<List<Object>> rows = new ArrayList<>();
        for (Choice c : choices) {
            Cell w = c.cell();
            rows.add(List.of(c.family(), size(c.perClass()), c.lambda(), c.seed(), c.candidates(), w.valTop1Mean(),
                    w.top1Mean(), w.top1Std(), w.top3Mean(), w.top3Std(), c.source()));
        }
        EvalFiles.csv(out.resolve("selection.csv"), List.of("family", "perClass", "lambda", "seed", "candidates",
                "valTop1Mean", "top1Mean", "top1Std", "top3Mean", "top3Std", "model"), rows);
    }

    static List<Integer> parseSizes(List<String> sizes) {
        List<Integer> out = new ArrayList<>();
        for (String s : sizes) {
            String t = s.trim();
            if (t.equals("full")) {
                out.add(LowDataClassification.FULL);
                continue;
            }
            try {
                int v = Integer.parseInt(t);
                if (v < 1) {
                    throw new NumberFormatException();
                }
                out.add(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--sizes takes positive whole numbers or 'full', got '" + s + "'");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("give at least one size in --sizes");
        }
        return out;
    }

    static void write(Path out, List<Cell> cells, List<Path> models, int epochs, Path data) throws Exception {
        ObjectNode root = EvalFiles.provenance("eval classify", null, null, data);
        var ms = root.putArray("models");
        models.forEach(p -> ms.add(p.toString()));
        root.put("classifierEpochs", epochs);
        root.put("learningRate", dev.sparsestream.core.eval.LinearProbe.Config.LEARNING_RATE);
        root.put("batchSize", dev.sparsestream.core.eval.LinearProbe.Config.BATCH);
        ArrayNode arr = root.putArray("cells");
        List<List<Object>> csv = new ArrayList<>();
        for (Cell c : cells) {
            ObjectNode o = Json.mapper().valueToTree(c);
            o.put("top1Mean", c.top1Mean());
            o.put("top1Std", c.top1Std());
            o.put("top3Mean", c.top3Mean());
            o.put("top3Std", c.top3Std());
            arr.add(o);
            csv.add(List.of(c.method(), c.perClass() == LowDataClassification.FULL ? "full" : c.perClass(), c.trainSamples(),
                    c.top1Mean(), c.top1Std(), c.top3Mean(), c.top3Std()));
        }
        EvalFiles.json(out.resolve("classify.json"), root);
        EvalFiles.csv(out.resolve("classify.csv"), List.of("method", "perClass", "trainSamples", "top1Mean", "top1Std",
                "top3Mean", "top3Std"), csv);
        EvalFiles.png(out.resolve("classify.png"), ImageGrid.png(plot(cells)));
    }

    /** Top-1 and top-3 error (%) against samples per class, side by side, one line per method. */
    static java.awt.image.BufferedImage plot(List<Cell> cells) {
        List<java.awt.image.BufferedImage> panels = new ArrayList<>();
        for (boolean top1 : new boolean[] {true, false}) {
            Map<String, List<Cell>> byMethod = new LinkedHashMap<>();
            for (Cell c : cells) {
                byMethod.computeIfAbsent(c.method(), k -> new ArrayList<>()).add(c);
            }
            List<Charts.Series> series = new ArrayList<>();
            for (var e : byMethod.entrySet()) {
                List<Cell> cs = new ArrayList<>(e.getValue());
                cs.sort(java.util.Comparator.comparingInt(Cell::trainSamples));
                double[] x = new double[cs.size()];
                double[] y = new double[cs.size()];
                double[] err = new double[cs.size()];
                for (int i = 0; i < x.length; i++) {
                    Cell c = cs.get(i);
                    x[i] = c.trainSamples() / 10.0; // samples per class (10 MNIST classes)
                    y[i] = 100 * (top1 ? c.top1Mean() : c.top3Mean());
                    err[i] = 100 * (top1 ? c.top1Std() : c.top3Std());
                }
                boolean baseline = e.getKey().equals(RAW) || e.getKey().equals(LISTA);
                series.add(new Charts.Series(e.getKey(), x, y, err, baseline ? Charts.Style.DASHED : Charts.Style.SOLID,
                        Charts.colour(series.size()))); // the palette's colours are far apart; XChart's default are not
            }
            panels.add(Charts.render(new Charts.Spec((top1 ? "Top-1" : "Top-3") + " test error",
                    "training samples per class (log scale)", (top1 ? "top-1" : "top-3") + " error (%)", true, false, series),
                    720, 480));
        }
        return Charts.sideBySide(panels);
    }
}
