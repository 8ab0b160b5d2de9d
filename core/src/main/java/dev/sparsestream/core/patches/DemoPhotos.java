package dev.sparsestream.core.patches;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Natural photos for trying the patch pipeline without ImageNet: the nature photos of Debian's
 * {@code mate-backgrounds} package, installed with apt-get when missing (as root, or through
 * password-less sudo).
 */
public final class DemoPhotos {
    public static final String PACKAGE = "mate-backgrounds";
    public static final Path FOLDER = Path.of("/usr/share/backgrounds/mate/nature");

    private DemoPhotos() {
    }

    /** The photo folder, installing the package first when it is not there. */
    public static Path ensure(PrintStream log) throws IOException, InterruptedException {
        if (hasPhotos()) {
            return FOLDER;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            throw new IOException(FOLDER + " is missing and this is not a Debian-like system (no apt-get); "
                    + "point 'sparse-stream patches build --images DIR' at a folder of your own photos instead");
        }
        List<String> prefix = new ArrayList<>();
        if (!isRoot()) {
            if (run(List.of("sudo", "-n", "true"), null) != 0) {
                throw new IOException(FOLDER + " is missing; install Debian's " + PACKAGE + " (sudo apt-get install "
                        + PACKAGE + ") and run this again");
            }
            prefix.add("sudo");
            prefix.add("-n");
        }
        log.println("installing Debian's " + PACKAGE + " (apt-get) ...");
        List<String> install = new ArrayList<>(prefix);
        install.addAll(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", PACKAGE));
        if (run(install, log) != 0) {
            List<String> update = new ArrayList<>(prefix);
            update.addAll(List.of("apt-get", "update", "-qq"));
            if (run(update, log) != 0 || run(install, log) != 0) {
                throw new IOException("apt-get could not install " + PACKAGE + " (see its messages above)");
            }
        }
        if (!hasPhotos()) {
            throw new IOException(PACKAGE + " is installed but " + FOLDER + " holds no photos");
        }
        return FOLDER;
    }

    private static boolean hasPhotos() throws IOException {
        return Files.isDirectory(FOLDER) && !PatchBuilder.imageFiles(FOLDER).isEmpty();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs a command, its output going to {@code log} (or nowhere), and returns its exit code. */
    private static int run(List<String> cmd, PrintStream log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return 127; // no such program (sudo)
        }
        try (var out = p.getInputStream()) {
            byte[] all = out.readAllBytes();
            if (log != null && all.length > 0) {
                log.write(all);
            }
        }
        return p.waitFor();
    }
}
