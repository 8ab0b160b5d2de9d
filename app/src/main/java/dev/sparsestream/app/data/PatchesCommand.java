package dev.sparsestream.app.data;

import dev.sparsestream.core.patches.PatchBuilder;
import dev.sparsestream.core.patches.PatchFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "patches", mixinStandardHelpOptions = true,
        description = "Natural-image patch datasets (the paper's second dataset).",
        subcommands = {PatchesCommand.Build.class, PatchesCommand.Info.class})
public final class PatchesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Make a patch dataset from a folder of photos, as the paper does: shorter side resized to 256,",
                    "random 52x52 crops, grey, (v - 0.457) / 0.259, local contrast normalisation (13x13 Gaussian,",
                    "sigma 5) to 28x28, kept when their pixel std is >= 0.5; crops come in batches of 250 from a seeded",
                    "permutation of the images, cycling over them until enough patches are kept.",
                    "DIR is searched recursively for .jpg/.jpeg/.png (ImageNet's class folders work as they are);",
                    "unreadable files are skipped, counted and named. Writes one file (format: README, 'Patch file')",
                    "with every patch's mean and std maps, so PSNR can be computed in pixel space; train on it with",
                    "'sparse-stream train --dataset patches --data FILE'."})
    static final class Build implements Callable<Integer> {
        @Option(names = "--images", required = true, paramLabel = "DIR", description = "Folder of photos (searched recursively).")
        Path images;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The patch file to write.")
        Path out;

        @Option(names = "--train", defaultValue = "200000", paramLabel = "N", description = "Training patches (default 200000).")
        int train;

        @Option(names = "--val", defaultValue = "20000", paramLabel = "N", description = "Validation patches (default 20000).")
        int val;

        @Option(names = "--test", defaultValue = "20000", paramLabel = "N", description = "Test patches (default 20000).")
        int test;

        @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the image order and crops (default 1).")
        long seed;

        @Option(names = "--force", description = "Replace FILE if it exists.")
        boolean force;

        @Option(names = "--no-progress", description = "No progress bar.")
        boolean noProgress;

        @Override
        public Integer call() throws Exception {
            build(new PatchBuilder.Config(images, train, val, test, seed), out, force, !noProgress);
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Check a patch file (its SHA-256 too) and print what it holds and how it was made.")
    static final class Info implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "A patch file.")
        Path file;

        @Override
        public Integer call() throws Exception {
            PatchFile.Header h = PatchFile.read(file).header();
            System.out.printf("%s: %d x %d patches, %d train, %d validation, %d test; seed %d; from %s (%d images read, "
                            + "%d skipped); grey (v - %s) / %s; kept when pixel std >= %s; checksum OK%n", file,
                    h.patchSize(), h.patchSize(), h.train(), h.val(), h.test(), h.seed(), h.source(), h.imagesRead(),
                    h.imagesSkipped(), h.greyMean(), h.greyStd(), h.minPixelStd());
            return 0;
        }
    }

    /** Builds and writes a patch file, with a progress bar and a summary; used by 'fetch photos' too. */
    public static void build(PatchBuilder.Config c, Path out, boolean force, boolean bar) throws IOException {
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a folder; give the patch file's name, e.g. "
                    + out.resolve("patches.bin"));
        }
        if (Files.exists(out) && !force) {
            throw new IllegalArgumentException(out + " exists; give --force to replace it, or another --out");
        }
        long t0 = System.nanoTime();
        PatchBuilder.Result r;
        ProgressBar pb = !bar ? null : new ProgressBarBuilder().setTaskName("patches").setInitialMax(c.total())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
        try {
            r = PatchBuilder.build(c, (read, kept, wanted) -> {
                if (pb != null) {
                    pb.stepTo(kept);
                    pb.setExtraMessage(" images read " + read);
                }
            });
        } finally {
            if (pb != null) {
                pb.close();
            }
        }
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        long t1 = System.nanoTime();
        PatchFile.write(out, r.header(), r.patches());
        double writeSeconds = (System.nanoTime() - t1) / 1e9;
        PatchFile.Header h = r.header();
        System.out.printf("kept %d patches (%d train, %d validation, %d test) of %d crops (%.0f%%) from %d image files "
                        + "(%d image reads, one crop each) in %.1f s: %.0f patches/s%n", h.total(), h.train(), h.val(), h.test(),
                r.cropsTried(), 100.0 * h.total() / r.cropsTried(), r.files(), h.imagesRead(), buildSeconds,
                h.total() / buildSeconds);
        if (r.failureCount() > 0) {
            System.out.printf("skipped %d unreadable file(s): %s%s%n", r.failureCount(), String.join("; ", r.failures()),
                    r.failureCount() > r.failures().size() ? "; ..." : "");
        }
        System.out.printf("wrote %s (%.1f MB) in %.1f s; train on it with: sparse-stream train --dataset patches --data %s%n",
                out, Files.size(out) / 1e6, writeSeconds, out);
    }
}
