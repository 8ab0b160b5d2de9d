package dev.sparsestream.app;

import dev.sparsestream.actors.RunData;
import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.core.eval.LowDataClassification;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.core.train.TrainingReport;
import dev.sparsestream.core.viz.Charts;
import dev.sparsestream.core.viz.ImageGrid;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains model families over lists of lambdas (and seeds), one run after another through the streaming",
                "learner ('train' with --no-dashboard), evaluates each (eval recon and eval atoms, and eval denoise",
                "with --denoise), and plots the sparsity-PSNR trade-off of every family on one chart, with the paper's",
                "points, as its Figure 6. Runs go to OUT/runs/<MODEL>-lambda<L>-seed<S>; OUT/sweep.json records the",
                "plan and each run's state after every step, so the same command run again continues where an",
                "interrupted sweep stopped (a run cut off mid-training resumes from its last snapshot). Adding models,",
                "lambdas or seeds, or raising --epochs, extends a sweep; finished runs are kept. A run that fails is",
                "recorded with its message and the sweep goes on with the next.",
                "Writes OUT/sweep.json, OUT/sweep.csv (one row per run), OUT/tradeoff.csv (means over seeds),",
                "OUT/tradeoff.png and OUT/curves.png (every run's validation energy and PSNR, FISTA steps and smallest",
                "code std, epoch by epoch)."})
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "M", description = "Model families, comma separated (required but with --summary).")
    List<String> models;

    @Option(names = "--lambdas", split = ",", paramLabel = "L",
            description = "Lambdas, comma separated (default: each family's lambdas in the paper's Table 3).")
    List<Double> lambdas;

    @Option(names = "--seeds", split = ",", defaultValue = "0", paramLabel = "S", description = "Seeds, comma separated (default 0).")
    List<Long> seeds;

    @Option(names = "--epochs", description = "Epochs per run (the paper: 200 on MNIST, 100 on patches; required but with --summary).")
    Integer epochs;

    @Option(names = "--summary", description = "Only write the tables and charts of the runs evaluated so far (safe while the sweep runs in another process).")
    boolean summary;

    @Option(names = "--dataset", defaultValue = "mnist", description = "mnist (default) or patches.")
    String dataset;

    @Option(names = "--data", paramLabel = "FILE", description = "patches: the patch file (default: the demo file).")
    Path data;

    @Option(names = "--train-samples", paramLabel = "N", description = "Train each run on the first N training samples.")
    Integer trainSamples;

    @Option(names = "--denoise", split = ",", paramLabel = "SIGMA", description = "Also run 'eval denoise' at these sigmas.")
    List<Double> denoise = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Sweep folder.")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (default $SPARSE_STREAM_DATA or ./data).")
    Path dataDir;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--no-progress", description = "No progress bars (epoch lines only).")
    boolean noProgress;

    static final String FILE = "sweep.json";

    /** What makes runs comparable: a sweep folder keeps these for all its runs. */
    record Base(String dataset, String data, Integer trainSamples) {
    }

    /** One run of the sweep and how far it got. */
    record Entry(String model, double lambda, long seed, String dir, String status, String message, Integer bestEpoch,
                 Integer epochsTrained, Double psnr, Double sparsity) {
        static final String PENDING = "pending";
        static final String TRAINING = "training";
        static final String EVALUATED = "evaluated";
        static final String FAILED = "failed";

        Entry with(String newStatus, String newMessage) {
            return new Entry(model, lambda, seed, dir, newStatus, newMessage, bestEpoch, epochsTrained, psnr, sparsity);
        }

        boolean same(String m, double l, long s) {
            return model.equals(m) && PaperResults.sameLambda(lambda, l) && seed == s;
        }
    }

    /** The sweep's state file. */
    record State(String version, Base base, int epochs, List<Double> denoise, List<Entry> entries) {
        State with(List<Entry> newEntries) {
            return new State(version, base, epochs, denoise, List.copyOf(newEntries));
        }
    }

    @Override
    public Integer call() throws Exception {
        if (summary) {
            Path file = out.resolve(FILE);
            if (!Files.exists(file)) {
                throw new IllegalArgumentException(out + " is not a sweep folder: it has no " + FILE);
            }
            // sweep.json is replaced atomically, so it can be read while another process runs the sweep
            summarise(Json.mapper().readValue(file.toFile(), State.class));
            return 0;
        }
        if (models == null || epochs == null) {
            throw new IllegalArgumentException("give --models and --epochs (or --summary)");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (!dataset.equals("mnist") && !dataset.equals("patches")) {
            throw new IllegalArgumentException("--dataset must be mnist or patches, got '" + dataset + "'");
        }
        if (dataset.equals("mnist") && data != null) {
            throw new IllegalArgumentException("--data is for --dataset patches");
        }
        List<Family> families = models.stream().map(Family::parse).distinct().toList();
        if (lambdas != null) {
            for (double l : lambdas) {
                if (!(l >= 0) || Double.isInfinite(l)) {
                    throw new IllegalArgumentException("--lambdas must be finite numbers >= 0, got " + l);
                }
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("give at least one seed");
        }
        Files.createDirectories(out);
        try (RunLock lock = RunLock.acquire(out)) {
            State state = plan(families);
            return run(state);
        }
    }

    private State plan(List<Family> families) throws Exception {
        Base base = new Base(dataset, data != null ? data.toAbsolutePath().normalize().toString() : null, trainSamples);
        Path file = out.resolve(FILE);
        List<Entry> entries = new ArrayList<>();
        if (Files.exists(file)) {
            State old = Json.mapper().readValue(file.toFile(), State.class);
            if (!old.base().equals(base)) {
                throw new IllegalArgumentException(out + " holds a sweep on " + old.base() + "; this command asks for " + base
                        + ": use another --out, or the same dataset, data and --train-samples");
            }
            if (epochs < old.epochs()) {
                throw new IllegalArgumentException(out + " was swept with --epochs " + old.epochs() + "; give at least that");
            }
            entries.addAll(old.entries());
            System.out.printf("continuing the sweep in %s (%d runs recorded)%n", out, entries.size());
        }
        for (Family f : families) {
            List<Double> ls = lambdas != null ? lambdas : PaperResults.lambdas(dataset, f.label());
            if (ls.isEmpty()) {
                throw new IllegalArgumentException("no --lambdas given and the paper has none for " + f + " on " + dataset);
            }
            for (double l : ls) {
                for (long s : seeds) {
                    if (entries.stream().noneMatch(e -> e.same(f.label(), l, s))) {
                        String dir = "runs/" + f.label() + "-lambda" + EvalFiles.number(l) + "-seed" + s;
                        entries.add(new Entry(f.label(), l, s, dir, Entry.PENDING, null, null, null, null, null));
                    }
                }
            }
        }
        State s = new State(Main.VERSION, base, epochs, List.copyOf(denoise), entries);
        save(s);
        return s;
    }

    private void save(State s) throws Exception {
        EvalFiles.json(out.resolve(FILE), s);
    }

    private int run(State state) throws Exception {
        List<Entry> entries = new ArrayList<>(state.entries());
        int failed = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Path dir = out.resolve(e.dir());
            if (e.status().equals(Entry.EVALUATED) && trainedEnough(dir) && evaluatedFor(dir)) {
                continue;
            }
            System.out.printf("%n== sweep run %d of %d: %s, lambda %s, seed %d -> %s%n", i + 1, entries.size(), e.model(),
                    EvalFiles.number(e.lambda()), e.seed(), dir);
            entries.set(i, e.with(Entry.TRAINING, null));
            save(state.with(entries));
            int rc = trainedEnough(dir) ? 0 : train(e, dir);
            if (rc != 0 || !trainedEnough(dir)) {
                String status = readStatus(dir);
                if (rc == 0 && !RunData.FAILED.equals(status)) {
                    // stopped (Ctrl-C, 'control stop'): the snapshot is kept; continue later
                    save(state.with(entries));
                    System.out.printf("the sweep stopped during %s; run the same command again to continue%n", dir);
                    return 0;
                }
                failed++;
                entries.set(i, e.with(Entry.FAILED, "train exited with " + rc + (status != null ? " (" + status + ")" : "")));
                save(state.with(entries));
                continue;
            }
            try {
                entries.set(i, evaluate(e, dir));
            } catch (Exception ex) {
                failed++;
                entries.set(i, e.with(Entry.FAILED, "evaluation failed: " + ex.getMessage()));
            }
            save(state.with(entries));
        }
        summarise(state.with(entries));
        if (failed > 0) {
            System.err.printf("%d run(s) failed; see %s (run the same command again to retry them)%n", failed,
                    out.resolve(FILE));
            return 1;
        }
        return 0;
    }

    /** Trains (or resumes) the entry's run in this process, as 'train --no-dashboard' would; its exit status. */
    private int train(Entry e, Path dir) {
        boolean resume = new RunFolder(dir).canResume();
        HyperparameterOptions hyper = new HyperparameterOptions();
        hyper.epochs = epochs;
        if (!resume) {
            hyper.lambda = e.lambda();
            hyper.seed = e.seed();
        }
        var request = new TrainingJob.Request(resume ? null : dataset, resume ? null : data, null, null, resume ? null : e.model(),
                dir, dataDir, resume ? null : trainSamples, null, resume ? dir : null, !noProgress, 1, 0, 0, hyper,
                device, null);
        try {
            return new TrainingJob(request, TrainingJob.SINGLE_NODE).run();
        } catch (Exception ex) {
            System.err.println("sparse-stream: " + ex.getMessage());
            return 1;
        }
    }

    /** Whether the run in dir completed the sweep's epochs (or stopped early by its patience). */
    private boolean trainedEnough(Path dir) throws Exception {
        RunFolder run = new RunFolder(dir);
        if (!run.hasReport() || !run.isRun()) {
            return false;
        }
        if (!RunData.COMPLETED.equals(readStatus(dir))) {
            return false;
        }
        TrainingReport r = TrainingReport.read(run.report());
        return r.epochs().size() >= epochs || r.stoppedEarly();
    }

    private boolean evaluatedFor(Path dir) {
        Path eval = new RunFolder(dir).eval();
        if (!Files.exists(eval.resolve("recon.json"))) {
            return false;
        }
        for (double s : denoise) {
            if (!Files.exists(eval.resolve("denoise-sigma" + EvalFiles.number(s) + ".png"))) {
                return false;
            }
        }
        return true;
    }

    private static String readStatus(Path dir) {
        try {
            return RunData.read(new RunFolder(dir).runData()).status();
        } catch (Exception ex) {
            return null;
        }
    }

    private Entry evaluate(Entry e, Path dir) throws Exception {
        RunFolder run = new RunFolder(dir);
        Path modelDir = run.model();
        SparseAutoencoder m = ModelStore.load(modelDir).to(device.open());
        EvalModelOptions o = new EvalModelOptions();
        o.model = modelDir;
        o.dataDir = dataDir;
        TrainingData d = o.data(m);
        Path evalDir = run.eval();
        Summary s = EvalReconCommand.run(m, modelDir, d, "test", 10, evalDir);
        EvalAtomsCommand.run(m, modelDir, 16, 2, evalDir);
        if (!denoise.isEmpty()) {
            EvalDenoiseCommand.run(m, modelDir, d, denoise, 0, 10, evalDir);
        }
        TrainingReport r = TrainingReport.read(run.report());
        System.out.printf("%s lambda %s seed %d: test PSNR %.2f dB, sparsity %.1f%% (best epoch %d of %d)%n", e.model(),
                EvalFiles.number(e.lambda()), e.seed(), s.psnr(), 100 * s.sparsity(), r.bestEpoch(), r.epochs().size());
        return new Entry(e.model(), e.lambda(), e.seed(), e.dir(), Entry.EVALUATED, null, r.bestEpoch(), r.epochs().size(),
                s.psnr(), s.sparsity());
    }

    /** Mean over the seeds of one model at one lambda. */
    record Point(String model, double lambda, int runs, double psnr, double psnrStd, double sparsity, double sparsityStd) {
    }

    static List<Point> points(List<Entry> entries) {
        Map<String, List<Entry>> groups = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.status().equals(Entry.EVALUATED)) {
                groups.computeIfAbsent(e.model() + "|" + e.lambda(), k -> new ArrayList<>()).add(e);
            }
        }
        List<Point> out = new ArrayList<>();
        for (List<Entry> g : groups.values()) {
            double[] p = g.stream().mapToDouble(Entry::psnr).toArray();
            double[] s = g.stream().mapToDouble(Entry::sparsity).toArray();
            out.add(new Point(g.get(0).model(), g.get(0).lambda(), g.size(), LowDataClassification.mean(p),
                    LowDataClassification.std(p), LowDataClassification.mean(s), LowDataClassification.std(s)));
        }
        return out;
    }

    private void summarise(State s) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        for (Entry e : s.entries()) {
            rows.add(java.util.Arrays.asList(e.model(), e.lambda(), e.seed(), e.status(), e.epochsTrained(), e.bestEpoch(),
                    e.psnr(), e.sparsity(), e.dir()));
        }
        EvalFiles.csv(out.resolve("sweep.csv"), List.of("model", "lambda", "seed", "status", "epochs", "bestEpoch", "psnr",
                "sparsity", "dir"), rows);
        List<Point> points = points(s.entries());
        List<List<Object>> trade = new ArrayList<>();
        for (Point p : points) {
            trade.add(List.of(p.model(), p.lambda(), p.runs(), p.psnr(), p.psnrStd(), p.sparsity(), p.sparsityStd()));
        }
        EvalFiles.csv(out.resolve("tradeoff.csv"), List.of("model", "lambda", "runs", "psnr", "psnrStd", "sparsity",
                "sparsityStd"), trade);
        if (!points.isEmpty()) {
            EvalFiles.png(out.resolve("tradeoff.png"), ImageGrid.png(plot(points, s.base().dataset(), s.epochs())));
            EvalFiles.png(out.resolve("curves.png"), ImageGrid.png(curves(out, s.entries())));
        }
        System.out.printf("%nsweep in %s: %d runs evaluated of %d; trade-off in %s%n", out,
                s.entries().stream().filter(e -> e.status().equals(Entry.EVALUATED)).count(), s.entries().size(),
                out.resolve("tradeoff.png"));
        for (Point p : points) {
            System.out.printf("  %-7s lambda %-7s PSNR %.2f dB  sparsity %.1f%%%s%n", p.model(), EvalFiles.number(p.lambda()),
                    p.psnr(), 100 * p.sparsity(), p.runs() > 1 ? " (mean of " + p.runs() + " seeds)" : "");
        }
    }

    /**
     * Every evaluated run's course, epoch by epoch: validation energy and PSNR (what early stopping sees), and the
     * training batches' mean FISTA steps and smallest code std (where an unstable run shows first).
     */
    static BufferedImage curves(Path out, List<Entry> entries) throws Exception {
        List<String> names = new ArrayList<>();
        List<TrainingReport> reports = new ArrayList<>();
        for (Entry e : entries) {
            if (e.status().equals(Entry.EVALUATED)) {
                names.add(e.model() + " \u03bb " + EvalFiles.number(e.lambda()) + " seed " + e.seed());
                reports.add(TrainingReport.read(new RunFolder(out.resolve(e.dir())).report()));
            }
        }
        String[] titles = {"Validation energy (encoder codes)", "Validation PSNR", "Training batches: mean FISTA steps",
                "Training batches: smallest code std"};
        String[] axes = {"energy", "PSNR (dB)", "FISTA steps", "std"};
        List<java.util.function.ToDoubleFunction<TrainingReport.Epoch>> values = List.of(e -> e.val().energy(),
                e -> e.val().psnr(), e -> e.train().fistaSteps(), e -> e.train().minCodeStd());
        List<BufferedImage> panels = new ArrayList<>();
        for (int p = 0; p < titles.length; p++) {
            List<Charts.Series> series = new ArrayList<>();
            for (int r = 0; r < reports.size(); r++) {
                List<TrainingReport.Epoch> epochs = reports.get(r).epochs();
                series.add(new Charts.Series(names.get(r), epochs.stream().mapToDouble(TrainingReport.Epoch::epoch).toArray(),
                        epochs.stream().mapToDouble(values.get(p)).toArray(), null, Charts.Style.SOLID, Charts.colour(r)));
            }
            panels.add(Charts.render(new Charts.Spec(titles[p], "epoch", axes[p], false, false,
                    series), 720, 420));
        }
        return Charts.grid(panels, 2);
    }

    /** PSNR against sparsity (%), a line per family through its lambdas (dashed: linear decoders), the paper's points. */
    static BufferedImage plot(List<Point> points, String dataset, int epochs) {
        Map<String, List<Point>> byModel = new LinkedHashMap<>();
        for (Point p : points) {
            byModel.computeIfAbsent(p.model(), k -> new ArrayList<>()).add(p);
        }
        List<Charts.Series> series = new ArrayList<>();
        List<String> models = new ArrayList<>(byModel.keySet()); // a family's colour is its index here
        for (var e : byModel.entrySet()) {
            List<Point> ps = new ArrayList<>(e.getValue());
            ps.sort(Comparator.comparingDouble(Point::sparsity));
            series.add(new Charts.Series(e.getKey() + " (ours, " + epochs + " ep.)",
                    ps.stream().mapToDouble(p -> 100 * p.sparsity()).toArray(), ps.stream().mapToDouble(Point::psnr).toArray(),
                    ps.stream().mapToDouble(Point::psnrStd).toArray(),
                    Family.parse(e.getKey()).nonLinear() ? Charts.Style.SOLID : Charts.Style.DASHED,
                    Charts.colour(models.indexOf(e.getKey()))));
        }
        for (String model : models) {
            List<PaperResults.Recon> paper = PaperResults.reconstruction(dataset).stream()
                    .filter(r -> r.model().equals(model)).toList();
            if (!paper.isEmpty()) {
                series.add(new Charts.Series(model + " (paper, " + PaperResults.epochs(dataset) + " ep.)",
                        paper.stream().mapToDouble(r -> 100 * r.sparsity()).toArray(),
                        paper.stream().mapToDouble(PaperResults.Recon::psnr).toArray(), null, Charts.Style.MARKERS,
                        Charts.colour(models.indexOf(model))));
            }
        }
        return Charts.render(new Charts.Spec("Sparsity and reconstruction quality (" + dataset + ", test set)",
                "sparsity: zero code entries (%)", "PSNR (dB)", false, false, series), 900, 560);
    }
}
