package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFiles;
import dev.sparsestream.core.data.Splits;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Short real-MNIST runs (skipped when the data is absent; ./run-tests fetches it). */
class MnistTrainingTest {
    static Splits data;

    @BeforeAll
    static void load() throws IOException {
        Path dir = MnistData.defaultMnistDir();
        if (!MnistFiles.problems(dir).isEmpty()) {
            dir = Path.of("..", "data", "mnist");
        }
        if (MnistFiles.problems(dir).isEmpty()) {
            data = MnistData.load(dir);
        }
    }

    private static ModelConfig config(Family f, int epochs) {
        ModelConfig.Builder b = Presets.mnist(f).toBuilder();
        b.epochs = epochs;
        return b.build();
    }

    @Test
    void vdlPsnrRisesAndSparsityIsPlausible() {
        assumeTrue(data != null, "MNIST not fetched");
        ModelConfig c = config(Family.VDL, 3);
        TrainingResult r = new Trainer(c).train(SparseAutoencoder.initialise(c), data.train().head(5000), data.val(),
                data.test(), TrainingListener.NONE);
        assertEquals(3, r.epochs().size());
        double[] val = r.epochs().stream().mapToDouble(e -> e.val().psnr()).toArray();
        assertTrue(val[1] > val[0] && val[2] > val[1], "validation PSNR should rise: " + java.util.Arrays.toString(val));
        double[] train = r.epochs().stream().mapToDouble(e -> e.train().psnr()).toArray();
        assertTrue(train[2] > train[0], "train PSNR should rise: " + java.util.Arrays.toString(train));
        // lambda 0.02 gives very sparse codes in the paper (91.8% after 200 epochs); early on 60-97%.
        double s = r.test().sparsity();
        assertTrue(s > 0.6 && s < 0.97, "test sparsity " + s);
        assertTrue(r.test().psnr() > 10 && r.test().psnr() < 25, "test PSNR " + r.test().psnr());
        assertEquals(0, r.epochs().get(2).train().deadComponents(), 1e-9, "the variance hinge keeps every component alive");
        // FISTA warm-started from the encoder converges in well under K = 200 steps on average.
        assertTrue(r.epochs().get(2).train().fistaSteps() < 100);
        // The best epoch is the one with the lowest validation energy.
        int best = 1;
        for (EpochReport e : r.epochs()) {
            if (e.val().energy() < r.epochs().get(best - 1).val().energy()) {
                best = e.epoch();
            }
        }
        assertEquals(best, r.bestEpoch());
    }

    @Test
    void decoderOnlyModelTrainsWithFistaFromZero() {
        assumeTrue(data != null, "MNIST not fetched");
        ModelConfig c = config(Family.DO, 2);
        TrainingResult r = new Trainer(c).train(SparseAutoencoder.initialise(c), data.train().head(2500),
                data.val().head(1000), null, TrainingListener.NONE);
        assertTrue(r.epochs().get(1).val().psnr() > r.epochs().get(0).val().psnr());
        assertTrue(r.epochs().get(1).val().fistaSteps() > 0, "DO validation codes come from FISTA");
    }
}
