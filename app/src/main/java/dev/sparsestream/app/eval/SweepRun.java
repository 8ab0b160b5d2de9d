package dev.sparsestream.app.eval;

import dev.sparsestream.actors.RunFolder;
import dev.sparsestream.core.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A finished run of a sweep folder, as a model to evaluate further: its family, lambda, seed and model folder. */
public record SweepRun(String family, double lambda, long seed, Path modelDir) {

    /**
     * The runs of the sweep in dir whose training and evaluation finished, in the sweep's order.
     *
     * @throws IllegalArgumentException when dir holds no sweep, a sweep on another dataset than MNIST, no finished
     *                                  run, or a finished run whose model is missing
     */
    static List<SweepRun> evaluated(Path dir) throws Exception {
        Path file = dir.resolve(SweepCommand.FILE);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(dir + " is not a sweep folder: it has no " + SweepCommand.FILE);
        }
        SweepCommand.State state;
        try {
            state = Json.mapper().readValue(file.toFile(), SweepCommand.State.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(file + " cannot be read as a sweep: " + e.getMessage(), e);
        }
        if (!"mnist".equals(state.base().dataset())) {
            throw new IllegalArgumentException(dir + " is a sweep on " + state.base().dataset()
                    + "; classification needs labels, which only MNIST has here");
        }
        List<SweepRun> out = new ArrayList<>();
        for (SweepCommand.Entry e : state.entries()) {
            if (!e.status().equals(SweepCommand.Entry.EVALUATED)) {
                continue;
            }
            Path model = new RunFolder(dir.resolve(e.dir())).model();
            if (!Files.exists(model.resolve("model.json"))) {
                throw new IllegalArgumentException("the sweep in " + dir + " records " + e.dir() + " as evaluated, but "
                        + model + " holds no model.json");
            }
            out.add(new SweepRun(e.model(), e.lambda(), e.seed(), model));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the sweep in " + dir + " has no evaluated run yet (" + state.entries().size()
                    + " planned); run 'sparse-stream sweep' with the same options to finish it");
        }
        return out;
    }
}
