package dev.sparsestream.app.eval;

import dev.sparsestream.core.BuildInfo;
import dev.sparsestream.actors.RunFolder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sparsestream.core.io.Json;
import dev.sparsestream.core.train.TrainingReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Gathers results into one Markdown report with the paper's numbers (docs/method.md) beside ours and the",
                "pictures embedded: every run of the given sweeps and run folders (test PSNR and sparsity against the",
                "paper's at the same model and lambda; denoising against Table 1 where 'eval denoise' was run; the",
                "decoder's atoms), the sweeps' trade-off charts, a classification folder ('eval classify') and a collapse",
                "folder ('eval collapse'). Missing evaluations are left out with a note saying which command makes them.",
                "Picture links are relative to the report, so keep it where it is written (or move the folders with it)."})
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--sweep", paramLabel = "DIR", description = "A sweep folder; repeat for several.")
    List<Path> sweeps = new ArrayList<>();

    @Option(names = "--run", paramLabel = "DIR", description = "A run folder of 'train' (RUN with RUN/report.json); repeat.")
    List<Path> runs = new ArrayList<>();

    @Option(names = "--classify", paramLabel = "DIR", description = "A folder written by 'eval classify'.")
    Path classify;

    @Option(names = "--collapse", paramLabel = "DIR", description = "A folder written by 'eval collapse'.")
    Path collapse;

    @Option(names = "--out", defaultValue = "report.md", paramLabel = "FILE", description = "The report (default report.md).")
    Path out;

    @Option(names = "--title", defaultValue = "sparse-stream: the paper's evaluations reproduced", description = "Heading.")
    String title;

    private Path base;

    @Override
    public Integer call() throws Exception {
        if (sweeps.isEmpty() && runs.isEmpty() && classify == null && collapse == null) {
            throw new IllegalArgumentException("nothing to report: give --sweep, --run, --classify or --collapse");
        }
        base = out.toAbsolutePath().normalize().getParent();
        List<Path> runDirs = new ArrayList<>();
        for (Path s : sweeps) {
            Path file = s.resolve(SweepCommand.FILE);
            if (!Files.exists(file)) {
                throw new IllegalArgumentException(s + " is not a sweep folder (no " + SweepCommand.FILE + ")");
            }
            SweepCommand.State st = Json.mapper().readValue(file.toFile(), SweepCommand.State.class);
            for (SweepCommand.Entry e : st.entries()) {
                if (new RunFolder(s.resolve(e.dir())).hasReport()) {
                    runDirs.add(s.resolve(e.dir()));
                }
            }
        }
        for (Path r : runs) {
            if (!new RunFolder(r).hasReport()) {
                throw new IllegalArgumentException(r + " has no report.json: give the folder 'train --out' wrote");
            }
            runDirs.add(r);
        }
        for (Path p : java.util.stream.Stream.of(classify, collapse).filter(java.util.Objects::nonNull).toList()) {
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException(p + " is not a folder");
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("Made by `sparse-stream report` (version ").append(BuildInfo.VERSION).append("). Paper figures: ")
                .append(PaperResults.source()).append(". Ours are measured on this machine; epochs are listed per run ")
                .append("(the paper trains 200 epochs on MNIST and 100 on patches).\n\n");
        if (!runDirs.isEmpty()) {
            models(md, runDirs);
        }
        for (Path s : sweeps) {
            if (Files.exists(s.resolve("tradeoff.png"))) {
                md.append("## Sparsity and PSNR trade-off (Figure 6): ").append(s).append("\n\n")
                        .append("Lines: our runs through their lambdas (mean over seeds; dashed: linear decoders); diamonds: ")
                        .append("the paper's published points.\n\n")
                        .append(image("trade-off", s.resolve("tradeoff.png"))).append("\n\n");
            }
        }
        if (!runDirs.isEmpty()) {
            denoising(md, runDirs);
            atoms(md, runDirs);
        }
        if (classify != null) {
            classification(md);
        }
        if (collapse != null) {
            collapse(md);
        }
        Files.createDirectories(base);
        dev.sparsestream.core.io.AtomicFiles.write(out, md.toString().getBytes(StandardCharsets.UTF_8));
        System.out.println("report in " + out);
        return 0;
    }

    private String image(String alt, Path png) {
        return "![" + alt + "](" + base.relativize(png.toAbsolutePath().normalize()).toString().replace('\\', '/') + ")";
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    private static JsonNode readJson(Path p) throws IOException {
        return Files.exists(p) ? Json.mapper().readTree(p.toFile()) : null;
    }

    private void models(StringBuilder md, List<Path> runDirs) throws IOException {
        md.append("## Reconstruction quality (test set, encoder codes)\n\n");
        md.append("| run | data | model | lambda | seed | epochs (best) | PSNR dB | sparsity | paper PSNR | paper sparsity |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Path dir : runDirs) {
            TrainingReport r = TrainingReport.read(new RunFolder(dir).report());
            JsonNode recon = readJson(new RunFolder(dir).eval().resolve("recon.json"));
            double psnr = recon != null ? recon.get("psnr").asDouble() : r.test().psnr();
            double sparsity = recon != null ? recon.get("sparsity").asDouble() : r.test().sparsity();
            List<PaperResults.Recon> paper = PaperResults.reconstruction(r.dataset()).stream()
                    .filter(p -> p.model().equals(r.model()) && PaperResults.sameLambda(p.lambda(), r.lambda())).toList();
            String pp = paper.isEmpty() ? "-" : String.join(" / ", paper.stream().map(p -> f("%.1f", p.psnr())).toList());
            String ps = paper.isEmpty() ? "-" : String.join(" / ", paper.stream().map(p -> f("%.1f%%", 100 * p.sparsity()))
                    .toList());
            md.append(f("| %s | %s | %s | %s | %d | %d (%d) | %.2f | %.1f%% | %s | %s |%n", dir.getFileName(), r.dataset(),
                    r.model(), EvalFiles.number(r.lambda()), r.config().seed(), r.epochs().size(), r.bestEpoch(), psnr,
                    100 * sparsity, pp, ps));
        }
        md.append("\n");
    }

    private void denoising(StringBuilder md, List<Path> runDirs) throws IOException {
        StringBuilder t = new StringBuilder();
        for (Path dir : runDirs) {
            JsonNode d = readJson(new RunFolder(dir).eval().resolve("denoise.json"));
            if (d == null) {
                continue;
            }
            String model = d.get("model").asText();
            double lambda = d.get("lambda").asDouble();
            for (JsonNode row : d.get("rows")) {
                double sigma = row.get("sigma").asDouble();
                var paper = PaperResults.denoising(d.get("dataset").asText()).stream().filter(p -> p.model().equals(model)
                        && PaperResults.sameLambda(p.lambda(), lambda) && p.sigma() == sigma).findFirst();
                t.append(f("| %s | %s %s | %.1f | %.1f%% / %.2f | %.2f | %.1f%% / %.2f | %s |%n", dir.getFileName(), model,
                        EvalFiles.number(lambda), sigma, 100 * row.get("cleanSparsity").asDouble(),
                        row.get("cleanPsnr").asDouble(), row.get("noisyPsnr").asDouble(),
                        100 * row.get("noisySparsity").asDouble(), row.get("denoisedPsnr").asDouble(),
                        paper.map(p -> f("%.1f (noisy input %.1f)", p.denoisedPsnr(), p.noisyInputPsnr())).orElse("-")));
            }
        }
        md.append("## Denoising (Table 1)\n\n");
        if (t.length() == 0) {
            md.append("No run has denoising results yet: `sparse-stream eval denoise --model RUN/model` (or `sweep --denoise`).\n\n");
            return;
        }
        md.append("| run | model | sigma | clean: sparsity / PSNR | noisy input PSNR | noisy: sparsity / PSNR | paper: PSNR of ")
                .append("the reconstruction of the noisy input |\n|---|---|---|---|---|---|---|\n").append(t).append("\n");
        for (Path dir : runDirs) {
            try (var files = Files.list(new RunFolder(dir).eval())) {
                for (Path png : files.filter(p -> p.getFileName().toString().startsWith("denoise-sigma")).sorted().toList()) {
                    md.append("**").append(dir.getFileName()).append(", ").append(png.getFileName()).append("**: rows ")
                            .append("clean / reconstruction / noisy / reconstruction of noisy\n\n")
                            .append(image("denoising", png)).append("\n\n");
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // no evaluations for this run
            }
        }
    }

    private void atoms(StringBuilder md, List<Path> runDirs) {
        md.append("## Atoms (Figures 2-5) and encoder filters (Figure 14)\n\n");
        boolean any = false;
        for (Path dir : runDirs) {
            Path dec = new RunFolder(dir).eval().resolve("atoms-decoder.png");
            if (Files.exists(dec)) {
                any = true;
                md.append("**").append(dir.getFileName()).append("**: decoder atoms\n\n").append(image("atoms", dec)).append("\n\n");
                Path enc = new RunFolder(dir).eval().resolve("atoms-encoder.png");
                if (Files.exists(enc)) {
                    md.append("encoder filters (rows of U)\n\n").append(image("encoder filters", enc)).append("\n\n");
                }
            }
        }
        if (!any) {
            md.append("No atoms yet: `sparse-stream eval atoms --model RUN/model`.\n\n");
        }
    }

    private void classification(StringBuilder md) throws IOException {
        JsonNode c = readJson(classify.resolve("classify.json"));
        if (c == null) {
            throw new IllegalArgumentException(classify + " has no classify.json: run 'sparse-stream eval classify' first");
        }
        md.append("## Low-data classification on MNIST (Figure 9)\n\n");
        md.append("The paper: ").append(PaperResults.claim("classification")).append("\n\n");
        md.append(f("Ours: %d classifier epochs, seeds per cell as listed; test error in %% (mean +- sample std).%n%n",
                c.get("classifierEpochs").asInt()));
        md.append("| method | per class | samples | top-1 error | top-3 error | seeds |\n|---|---|---|---|---|---|\n");
        for (JsonNode cell : c.get("cells")) {
            int per = cell.get("perClass").asInt();
            md.append(f("| %s | %s | %d | %.2f +- %.2f | %.2f +- %.2f | %d |%n", cell.get("method").asText(),
                    per == 0 ? "full" : Integer.toString(per), cell.get("trainSamples").asInt(),
                    100 * cell.get("top1Mean").asDouble(), 100 * cell.get("top1Std").asDouble(),
                    100 * cell.get("top3Mean").asDouble(), 100 * cell.get("top3Std").asDouble(), cell.get("seeds").size()));
        }
        md.append("\n").append(image("classification error", classify.resolve("classify.png"))).append("\n\n");
    }

    private void collapse(StringBuilder md) throws IOException {
        JsonNode c = readJson(collapse.resolve("collapse.json"));
        if (c == null) {
            throw new IllegalArgumentException(collapse + " has no collapse.json: run 'sparse-stream eval collapse' first");
        }
        md.append("## Collapse without variance regularisation (Sec. 4.4)\n\n");
        md.append("The paper: ").append(PaperResults.claim("collapse")).append("\n\n");
        md.append(f("Ours, on %d training samples:%n%n", c.get("trainSamples").asInt()));
        md.append("| run | lambda | decoder lr | epochs | code L1 first -> last batch | decoder column norm first -> last | ")
                .append("last val PSNR |\n|---|---|---|---|---|---|---|\n");
        for (JsonNode r : c.get("runs")) {
            JsonNode epochs = r.get("epochs");
            JsonNode lastEpoch = epochs.get(epochs.size() - 1);
            md.append(f("| %s | %s | %s | %d | %.2f -> %.2f (x%.2f) | %.2f -> %.2f | %.2f |%n", r.get("label").asText(),
                    EvalFiles.number(r.get("config").get("lambda").asDouble()), r.get("config").get("lrDecoder").asText(),
                    epochs.size(), r.get("codeL1First").asDouble(), r.get("codeL1Last").asDouble(),
                    r.get("codeL1Last").asDouble() / r.get("codeL1First").asDouble(), r.get("columnNormFirst").asDouble(),
                    r.get("columnNormLast").asDouble(), lastEpoch.get("val").get("psnr").asDouble()));
        }
        md.append("\n").append(image("collapse", collapse.resolve("collapse.png"))).append("\n\n");
    }
}
