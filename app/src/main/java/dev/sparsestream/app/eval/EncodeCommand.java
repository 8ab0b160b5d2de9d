package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.DeviceOption;
import dev.sparsestream.core.inference.FistaParams;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import dev.sparsestream.core.train.Encoding;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute sparse codes for an (n, d) float32 or float64 .npy array with a saved model.",
                "The input must already be in the model's normalised space (MNIST: (p/255 - 0.1307) / 0.3081).",
                "Codes come from the encoder alone, or with --fista from FISTA inference with the model's lambda, beta,",
                "gamma, step size and stopping rule, warm-started from the encoder (from zero for DO models).",
                "FISTA runs in batches of --batch-size (default 250, the training batch size): the variance hinge is a",
                "batch statistic, so a sample's FISTA code depends on the other samples of its batch (and a last batch",
                "of fewer samples gets its own statistics). Writes Z (n, l) as float32 .npy and prints energy, PSNR,",
                "sparsity and mean FISTA steps."})
public final class EncodeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Saved model folder.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Input array (n, d).")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "Z.npy", description = "Where to write the codes (n, l).")
    Path out;

    @Option(names = "--fista", description = "Infer codes with FISTA instead of the encoder alone.")
    boolean fista;

    @Option(names = "--batch-size", defaultValue = "250", description = "Batch size (default 250).")
    int batchSize;

    @Option(names = "--lambda", description = "Override the model's lambda for FISTA.")
    Double lambda;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        SparseAutoencoder m = ModelStore.load(model).to(device.open());
        if (lambda != null) {
            m = m.withConfig(m.config().withLambda(lambda));
        }
        if (!m.hasEncoder() && !fista) {
            System.out.println(m.config().model() + " has no encoder: using FISTA from zero codes.");
        }
        Encoding.Result r = Encoding.encodeFile(m, input, out, fista || !m.hasEncoder(), batchSize);
        System.out.printf("%d samples -> %s (%d x %d)%n", r.samples(), out, r.samples(), m.config().codeDim());
        System.out.printf("energy %.4f per batch of %d (reconstruction %.4f, l1 %.4f, hinge %.4f, encoder %.4f)%n",
                r.energyPerBatch().total(), batchSize, r.energyPerBatch().reconstruction(), r.energyPerBatch().sparsity(),
                r.energyPerBatch().hinge(), r.energyPerBatch().encoder());
        System.out.printf("PSNR %.2f dB, sparsity %.1f%%, mean FISTA steps %.1f%n", r.psnr(), 100 * r.sparsity(), r.fistaSteps());
        return 0;
    }
}
