package dev.sparsestream.app.eval;

import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.core.eval.LowDataClassification;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.train.TrainingReport;
import dev.sparsestream.core.viz.Charts;
import dev.sparsestream.core.viz.ImageGrid;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A sweep's tables and charts, from its state file and its runs' reports: Figure 6's trade-off and every run's course. */
final class SweepSummary {
    private SweepSummary() {
    }

    /** Mean over the seeds of one model at one lambda. */
    record Point(String model, double lambda, int runs, double psnr, double psnrStd, double sparsity, double sparsityStd) {
    }

    static List<Point> points(List<SweepCommand.Entry> entries) {
        Map<String, List<SweepCommand.Entry>> groups = new LinkedHashMap<>();
        for (SweepCommand.Entry e : entries) {
            if (e.status().equals(SweepCommand.Entry.EVALUATED)) {
                groups.computeIfAbsent(e.model() + "|" + e.lambda(), k -> new ArrayList<>()).add(e);
            }
        }
        List<Point> out = new ArrayList<>();
        for (List<SweepCommand.Entry> g : groups.values()) {
            double[] p = g.stream().mapToDouble(SweepCommand.Entry::psnr).toArray();
            double[] s = g.stream().mapToDouble(SweepCommand.Entry::sparsity).toArray();
            out.add(new Point(g.get(0).model(), g.get(0).lambda(), g.size(), LowDataClassification.mean(p),
                    LowDataClassification.std(p), LowDataClassification.mean(s), LowDataClassification.std(s)));
        }
        return out;
    }

    /** Writes sweep.csv, tradeoff.csv, tradeoff.png and curves.png into the sweep folder, and prints the trade-off. */
    static void write(Path out, SweepCommand.State s) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        for (SweepCommand.Entry e : s.entries()) {
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
                s.entries().stream().filter(e -> e.status().equals(SweepCommand.Entry.EVALUATED)).count(), s.entries().size(),
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
    static BufferedImage curves(Path out, List<SweepCommand.Entry> entries) throws Exception {
        List<String> names = new ArrayList<>();
        List<TrainingReport> reports = new ArrayList<>();
        for (SweepCommand.Entry e : entries) {
            if (e.status().equals(SweepCommand.Entry.EVALUATED)) {
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
