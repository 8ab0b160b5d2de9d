package dev.sparsestream.app.eval;

import dev.sparsestream.app.train.TrainingData;
import dev.sparsestream.app.train.DeviceOption;
import dev.sparsestream.actors.RunData;
import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.model.ModelStore;
import dev.sparsestream.core.model.SparseAutoencoder;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every single-model evaluation takes: the model, where results go, and the data it is tested on. */
public final class EvalModelOptions {
    Path model;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A saved model folder (RUN/model, or the run folder RUN itself, that 'train' or 'sweep' wrote).")
    void model(Path dir) {
        model = EvalFiles.modelDir(dir);
    }

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder for the results (default RUN/eval for RUN/model, else MODEL-eval beside the model).")
    Path out;

    @Option(names = "--data", paramLabel = "PATH",
            description = "patches/vectors: the data file (default: the one the run trained on, from RUN/run.json).")
    Path data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (default $SPARSE_STREAM_DATA or ./data).")
    Path dataDir;

    @Mixin
    DeviceOption device = new DeviceOption();

    /** The model, on the --device. */
    SparseAutoencoder load() throws Exception {
        return ModelStore.load(model).to(device.open());
    }

    Path out() {
        return out != null ? out : EvalFiles.defaultOut(model);
    }

    /** The splits the model's run used: its dataset, and for patches and vectors the run's file and fractions. */
    TrainingData data(SparseAutoencoder m) throws Exception {
        String dataset = m.config().dataset();
        Path run = EvalFiles.runOf(model);
        RunData rd = run != null ? RunData.read(new RunFolder(run).runData()) : null;
        if (dataset.equals("vectors") && data == null && (rd == null || rd.data() == null)) {
            throw new IllegalArgumentException("the model was trained on vectors and " + model + " is not in a run folder"
                    + " that says which: give --data");
        }
        return TrainingData.ofRun(dataset, rd, data, dataDir != null ? dataDir : MnistData.defaultDataDir(),
                m.config().seed(), m.config().batchSize());
    }
}
