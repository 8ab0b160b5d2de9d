package dev.sparsestream.app.train;

import dev.sparsestream.app.data.FetchCommand;
import dev.sparsestream.app.data.PatchesCommand;
import dev.sparsestream.actors.RunData;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFetcher;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.core.data.Normalisation;
import dev.sparsestream.core.data.PatchData;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.data.VectorData;
import dev.sparsestream.core.patches.DemoPhotos;
import dev.sparsestream.core.patches.PatchBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The data a run trains on, by dataset name: MNIST (fetched into the data folder when missing), natural-image
 * patches (a patch file; the demo file is built from Debian's photos when it is the one asked for and missing),
 * or users' vectors (.npy).
 *
 * @param splits     train, validation and test
 * @param pixelSpace for vectors, the pixel space PSNR is computed in (from the training split's range); null for
 *                   MNIST and patches, whose presets carry theirs
 * @param source     where the data came from, for messages and run.json
 */
public record TrainingData(Splits splits, Normalisation pixelSpace, Path source) {
    static final List<String> DATASETS = List.of("mnist", "patches", "vectors");

    /**
     * The data a run trained on: its dataset, with the data file and held-out fractions recorded in its run.json
     * unless {@code data} names the file (a moved one).
     *
     * @param run the run's record, or null when there is none (then the defaults apply)
     */
    public static TrainingData ofRun(String dataset, RunData run, Path data, Path dataDir, long seed, int batchSize)
            throws Exception {
        Path file = data;
        if (file == null && run != null && run.data() != null && !dataset.equals("mnist")) {
            file = Path.of(run.data());
        }
        double val = run != null && run.valFraction() != null ? run.valFraction() : TrainingJob.DEFAULT_HELD_OUT;
        double test = run != null && run.testFraction() != null ? run.testFraction() : TrainingJob.DEFAULT_HELD_OUT;
        return load(dataset, file, dataDir, val, test, seed, batchSize);
    }

    /**
     * @param data      --data (patches: the patch file, default the demo file; vectors: required); must be null for
     *                  MNIST
     * @param dataDir   the data folder
     */
    public static TrainingData load(String dataset, Path data, Path dataDir, double valFraction, double testFraction,
                             long seed, int batchSize) throws Exception {
        switch (dataset) {
            case "mnist" -> {
                if (data != null) {
                    throw new IllegalArgumentException("--data is for --dataset patches and vectors; MNIST lives in"
                            + " --data-dir (DIR/mnist)");
                }
                Path mnistDir = dataDir.resolve(MnistData.MNIST_SUBDIR);
                // The load checks every file's SHA-256 as it reads it; only when it fails is the folder examined
                // (missing or damaged files are fetched again; any other failure is the load's to report).
                Splits splits;
                try {
                    splits = MnistData.load(mnistDir);
                } catch (Exception e) {
                    if (MnistFiles.problems(mnistDir).isEmpty()) {
                        throw e;
                    }
                    System.out.println("MNIST not found in " + mnistDir + "; fetching it first.");
                    MnistFetcher.fetch(mnistDir, System.out);
                    splits = null;
                }
                return new TrainingData(splits != null ? splits : MnistData.load(mnistDir), null, mnistDir);
            }
            case "patches" -> {
                Path file = data != null ? data : dataDir.resolve(FetchCommand.DEMO_PATCHES);
                if (data == null && !Files.exists(file)) {
                    System.out.println("no --data given and no demo patches in " + file + "; building them first "
                            + "(as 'sparse-stream fetch photos' does)");
                    PatchesCommand.build(new PatchBuilder.Config(DemoPhotos.ensure(System.out), FetchCommand.DEMO_TRAIN,
                            FetchCommand.DEMO_VAL, FetchCommand.DEMO_TEST, 1),
                            file, false, false);
                }
                return new TrainingData(PatchData.load(file), null, file);
            }
            case "vectors" -> {
                if (data == null) {
                    throw new IllegalArgumentException("--dataset vectors needs --data: a .npy file of shape (n, d) or a "
                            + "folder of them");
                }
                VectorData v = VectorData.load(data, valFraction, testFraction, seed, batchSize);
                return new TrainingData(v.splits(), v.pixelSpace(), data);
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + dataset + "'; available: "
                    + String.join(", ", DATASETS));
        }
    }
}
