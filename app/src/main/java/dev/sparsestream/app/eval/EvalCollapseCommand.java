package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.TrainingJob;
import dev.sparsestream.app.train.TrainingData;
import dev.sparsestream.app.train.DeviceOption;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.eval.Collapse;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.TrainingListener;
import dev.sparsestream.core.viz.Charts;
import dev.sparsestream.core.viz.ImageGrid;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "collapse", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The paper's ablation (Sec. 4.4), made visible: trains each VDL family as it is and without the variance",
                "hinge (beta = 0: then nothing bounds the decoder), from the same start on the same batches, and records",
                "after every batch the mean L1 norm of the FISTA codes and the mean L2 norm of the decoder columns a code",
                "component scales (W, or W1 for a non-linear decoder). Without the hinge the decoder grows and the codes'",
                "L1 norms collapse towards 0 (the same reconstruction costs less L1 penalty with larger columns and",
                "smaller codes); with it they hold. The drift is slow at the paper's decoder learning rate, so this",
                "demonstration raises it (--lr-decoder, default 3e-3, ten times VDL's) to show in minutes what takes",
                "the paper's runs many epochs; give --lr-decoder 3e-4 for the paper's rate.",
                "Writes OUT/collapse.json (every batch, every epoch's figures), OUT/collapse.csv and OUT/collapse.png."})
public final class EvalCollapseCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", defaultValue = "VDL", paramLabel = "M",
            description = "VDL families to ablate, comma separated: VDL, VDL-NL (default VDL).")
    List<String> models;

    @Option(names = "--dataset", defaultValue = "mnist", description = "mnist (default) or patches (--data FILE).")
    String dataset;

    @Option(names = "--data", paramLabel = "FILE", description = "patches: the patch file (default: the demo file).")
    Path data;

    @Option(names = "--lambda", description = "lambda (default: each family's preset).")
    Double lambda;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs per run (default 3).")
    int epochs;

    @Option(names = "--train-samples", defaultValue = "20000", paramLabel = "N",
            description = "Train on the first N training samples (default 20000; 0: all).")
    int trainSamples;

    @Option(names = "--lr-decoder", defaultValue = "3e-3", description = "Decoder learning rate of every run (default 3e-3).")
    double lrDecoder;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initialisation and the batches (default 0).")
    long seed;

    @Option(names = "--out", defaultValue = "runs/collapse", paramLabel = "DIR", description = "Results folder (default runs/collapse).")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (default $SPARSE_STREAM_DATA or ./data).")
    Path dataDir;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        var onDevice = device.open();
        List<Family> families = new ArrayList<>();
        for (String m : models) {
            Family f = Family.parse(m);
            if (f.bound() != Family.Bound.VARIANCE) {
                throw new IllegalArgumentException("--models: " + f + " is not bounded by the variance hinge; the ablation"
                        + " removes the hinge from VDL or VDL-NL");
            }
            families.add(f);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (trainSamples < 0) {
            throw new IllegalArgumentException("--train-samples must be >= 0, got " + trainSamples);
        }
        if (!(lrDecoder > 0)) {
            throw new IllegalArgumentException("--lr-decoder must be > 0, got " + lrDecoder);
        }
        if (lambda != null && !(lambda > 0)) {
            throw new IllegalArgumentException("--lambda must be > 0 (the L1 penalty drives the collapse), got " + lambda);
        }
        TrainingData loaded = TrainingData.load(dataset, data, dataDir != null ? dataDir : MnistData.defaultDataDir(),
                TrainingJob.DEFAULT_HELD_OUT, TrainingJob.DEFAULT_HELD_OUT, seed, 250);
        Dataset train = loaded.splits().train();
        if (trainSamples > 0 && trainSamples < train.size()) {
            train = train.head(trainSamples);
        }
        List<Collapse.Trace> traces = new ArrayList<>();
        for (Family f : families) {
            ModelConfig base = switch (dataset) {
                case "patches" -> lambda != null ? Presets.patches(f, lambda) : Presets.patches(f);
                case "mnist" -> Presets.mnist(f);
                default -> throw new IllegalArgumentException("--dataset must be mnist or patches, got '" + dataset + "'");
            };
            ModelConfig.Builder b = base.toBuilder();
            if (lambda != null) {
                b.lambda = lambda;
            }
            b.epochs = epochs;
            b.seed = seed;
            b.lrDecoder = lrDecoder;
            b.lrHalvingEvery = 0;
            ModelConfig withHinge = b.build();
            for (ModelConfig c : List.of(withHinge, Collapse.withoutVarianceRegularisation(withHinge))) {
                String label = c.model().label() + (c.beta() > 0 ? " (beta " + EvalFiles.number(c.beta()) + ")"
                        : " without hinge (beta 0)");
                System.out.printf("training %s, lambda %s, %d epochs on %d samples ...%n", label, c.lambda(), epochs,
                        train.size());
                traces.add(Collapse.trace(label, c, onDevice, train, loaded.splits().val(), new TrainingListener() {
                    @Override
                    public void onEpoch(EpochReport r, boolean isBest) {
                        System.out.printf("  epoch %d: val PSNR %.2f dB, sparsity %.1f%%%n", r.epoch(), r.val().psnr(),
                                100 * r.val().sparsity());
                    }
                }));
                Collapse.Trace t = traces.get(traces.size() - 1);
                System.out.printf("  code L1 norm %.3f -> %.3f (x%.2f), decoder column norm %.3f -> %.3f%n", t.codeL1()[0],
                        last(t.codeL1()), last(t.codeL1()) / t.codeL1()[0], t.columnNorm()[0], last(t.columnNorm()));
            }
        }
        write(out, traces, loaded.source(), train.size());
        System.out.println("results in " + out);
        return 0;
    }

    static double last(double[] v) {
        return v[v.length - 1];
    }

    static void write(Path out, List<Collapse.Trace> traces, Path data, int trainSamples) throws Exception {
        ObjectNode root = EvalFiles.provenance("eval collapse", null, null, data);
        root.put("trainSamples", trainSamples);
        ArrayNode runs = root.putArray("runs");
        List<List<Object>> csv = new ArrayList<>();
        for (Collapse.Trace t : traces) {
            ObjectNode o = runs.addObject();
            o.put("label", t.label());
            o.set("config", Json.mapper().valueToTree(t.config()));
            o.put("codeL1First", t.codeL1()[0]);
            o.put("codeL1Last", last(t.codeL1()));
            o.put("columnNormFirst", t.columnNorm()[0]);
            o.put("columnNormLast", last(t.columnNorm()));
            o.set("epochPosition", Json.mapper().valueToTree(t.epochs()));
            o.set("codeL1", Json.mapper().valueToTree(t.codeL1()));
            o.set("columnNorm", Json.mapper().valueToTree(t.columnNorm()));
            o.set("epochs", Json.mapper().valueToTree(t.reports()));
            for (int i = 0; i < t.epochs().length; i++) {
                csv.add(List.of(t.label(), t.epochs()[i], t.codeL1()[i], t.columnNorm()[i]));
            }
        }
        EvalFiles.json(out.resolve("collapse.json"), root);
        EvalFiles.csv(out.resolve("collapse.csv"), List.of("run", "epoch", "codeL1", "columnNorm"), csv);
        EvalFiles.png(out.resolve("collapse.png"), ImageGrid.png(plot(traces)));
    }

    static BufferedImage plot(List<Collapse.Trace> traces) {
        List<Charts.Series> l1 = new ArrayList<>();
        List<Charts.Series> norms = new ArrayList<>();
        for (Collapse.Trace t : traces) {
            Charts.Style style = t.config().beta() > 0 ? Charts.Style.SOLID : Charts.Style.DASHED;
            // A colour per run: a trace of a point per batch is too dense for its dashes to show.
            java.awt.Color colour = Charts.colour(l1.size());
            l1.add(new Charts.Series(t.label(), t.epochs(), t.codeL1(), null, style, colour));
            norms.add(new Charts.Series(t.label(), t.epochs(), t.columnNorm(), null, style, colour));
        }
        return Charts.sideBySide(List.of(
                Charts.render(new Charts.Spec("L1 norm of the codes", "epoch", "mean ||z||_1 over samples", false, false, l1),
                        720, 480),
                Charts.render(new Charts.Spec("Decoder column norms", "epoch", "mean column L2 norm", false, false,
                        norms), 720, 480)));
    }
}
