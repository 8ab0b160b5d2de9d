package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.TrainingJob;
import dev.sparsestream.app.train.TrainingData;
import dev.sparsestream.app.train.HyperparameterOptions;
import dev.sparsestream.app.train.DeviceOption;
import dev.sparsestream.app.train.RunLock;
import dev.sparsestream.core.BuildInfo;
import dev.sparsestream.actors.RunData;
import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.core.train.TrainingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
public final class SweepCommand implements Callable<Integer> {
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
            SweepSummary.write(out, Json.mapper().readValue(file.toFile(), State.class));
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
        State s = new State(BuildInfo.VERSION, base, epochs, List.copyOf(denoise), entries);
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
        SweepSummary.write(out, state.with(entries));
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
}
