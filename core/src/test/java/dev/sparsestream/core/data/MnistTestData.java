package dev.sparsestream.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Locates the real MNIST files for tests that need them (they skip when it is absent). */
final class MnistTestData {

    private MnistTestData() {
    }

    /**
     * {@code MnistData.defaultMnistDir()} if it holds all four files; otherwise {@code ../data/mnist},
     * because Maven runs a module's tests with the module directory ({@code core/}) as working
     * directory while {@code ./sparse-stream fetch mnist} puts the data under the repository root.
     */
    static Optional<Path> realMnistDir() {
        for (Path dir : new Path[] {MnistData.defaultMnistDir(), Path.of("..", "data", "mnist")}) {
            if (MnistFiles.NAMES.stream().allMatch(n -> MnistFiles.find(dir, n).isPresent())) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    static boolean present() {
        return realMnistDir().isPresent();
    }

    static Path dir() {
        return realMnistDir().orElseThrow();
    }

    static void copyAll(Path to) throws java.io.IOException {
        Path from = dir();
        for (String n : MnistFiles.NAMES) {
            Path src = MnistFiles.find(from, n).orElseThrow();
            Files.copy(src, to.resolve(src.getFileName().toString()));
        }
    }
}
