package dev.sparsestream.app.train;

import dev.sparsestream.core.device.Device;
import dev.sparsestream.core.device.Devices;
import picocli.CommandLine.Option;

/** {@code --device}: where a command computes (every command that runs FISTA, a decoder or an optimiser). */
public final class DeviceOption {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "NAME",
            description = "Where to compute: cpu (default; OpenBLAS and fused Java loops).")
    String name;

    /** The device named; a name this build does not have is refused with what it does have. */
    public Device open() {
        return Devices.open(name);
    }
}
