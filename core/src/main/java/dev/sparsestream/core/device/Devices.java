package dev.sparsestream.core.device;

import java.util.List;
import java.util.Locale;

/** Opens a device by the name users give ({@code --device cpu}). */
public final class Devices {
    /** The names this build accepts. */
    public static final List<String> NAMES = List.of("cpu");

    private Devices() {
    }

    /**
     * @param name "cpu" (any case); "cuda" and "cuda:N" are recognised and refused with the reason: the CUDA library
     *             that is missing and where it was looked for ({@link CudaLibraries}), or that the CUDA device is
     *             not finished
     * @throws IllegalArgumentException naming the value and what is available
     */
    public static Device open(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return CpuDevice.INSTANCE;
        }
        if (n.equals("cuda") || n.matches("cuda:\\d+")) {
            // The libraries first: a machine without them is told which one is missing and where it was looked for.
            CudaLibraries.Search libraries = CudaLibraries.find();
            if (!libraries.complete()) {
                throw new IllegalArgumentException("--device " + name + ": " + libraries.whyNot());
            }
            throw new IllegalArgumentException("--device " + name + ": the CUDA libraries are here (" + libraries.folders()
                    + "), but this build's CUDA device is not finished (nothing of it has run on a GPU yet); "
                    + "available: " + String.join(", ", NAMES));
        }
        throw new IllegalArgumentException("--device " + name + ": unknown device; available: " + String.join(", ", NAMES));
    }

    /** The default device. */
    public static Device cpu() {
        return CpuDevice.INSTANCE;
    }
}
