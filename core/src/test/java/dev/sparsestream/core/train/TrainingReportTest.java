package dev.sparsestream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparsestream.core.data.Dataset;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import dev.sparsestream.core.model.Presets;
import dev.sparsestream.core.model.SparseAutoencoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.json is read back as written (sweeps and reports read the reports of finished runs). */
class TrainingReportTest {
    @TempDir
    Path tmp;

    @Test
    void reportRoundTripsAndOldReportsWithTheDerivedFlagStillRead() throws Exception {
        ModelConfig.Builder b = Presets.mnist(Family.VDL).toBuilder();
        b.dataDim = 16;
        b.codeDim = 8;
        b.batchSize = 20;
        b.epochs = 2;
        ModelConfig c = b.build();
        Random rng = new Random(1);
        float[] x = new float[100 * 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        Dataset d = new Dataset("d", x, 100, 16, null);
        TrainingResult r = new Trainer(c).train(SparseAutoencoder.initialise(c), d, d.head(40), d.head(40),
                TrainingListener.NONE);
        TrainingReport report = TrainingReport.of(c, r, 100, 1.5);
        Path file = tmp.resolve("report.json");
        report.write(file);
        TrainingReport back = TrainingReport.read(file);
        assertEquals(report, back);

        String old = Files.readString(file).replace("\"encoder\" :", "\"finite\" : true, \"encoder\" :");
        Files.writeString(file, old);
        assertEquals(report, TrainingReport.read(file));
    }
}
