package dev.sparsestream.core.data;

import dev.sparsestream.core.patches.PatchFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Natural-image patches as training uses them: a patch file made by {@code sparse-stream patches build}
 * (see {@link PatchFile}), its train, validation and test patches each with its maps back to pixel space,
 * {@code pixel = 0.259 (x s + m) + 0.457} (docs/method.md, "Natural-image patches").
 */
public final class PatchData {
    private PatchData() {
    }

    /** Reads and checks {@code file}; the splits come in the file's order (the order they were kept). */
    public static Splits load(Path file) throws IOException {
        PatchFile.Contents c = PatchFile.read(file);
        Normalisation grey = new Normalisation(c.header().greyMean(), c.header().greyStd());
        return new Splits(split(file, "train", c.train(), grey), split(file, "validation", c.val(), grey),
                split(file, "test", c.test(), grey));
    }

    private static Dataset split(Path file, String name, PatchFile.Patches p, Normalisation grey) throws IOException {
        if (p.count() == 0) {
            throw new IOException(file + " has no " + name + " patches (build it with a positive --"
                    + (name.equals("validation") ? "val" : name) + ")");
        }
        // The arrays are fresh from the file and ours alone, so the maps are made in place.
        PixelMaps maps = PixelMaps.afterLcn(p.mean(), p.std(), p.count(), PatchFile.D, grey);
        return new Dataset("patches " + name + " (" + file.getFileName() + ")", p.x(), p.count(), PatchFile.D, null,
                maps);
    }
}
