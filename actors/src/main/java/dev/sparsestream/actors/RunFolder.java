package dev.sparsestream.actors;

import dev.sparsestream.protocol.SnapshotFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A run folder's layout, the one place that names its files: what `train` (and `cluster seed`) write there,
 * what `--resume`, the evaluations, `sweep` and `report` read back.
 *
 * <pre>
 *   RUN/run.json        the data the run trains on and how it last ended (TrainCommand.RunData)
 *   RUN/report.json     configuration, per-epoch figures, best epoch, test figures (TrainingReport)
 *   RUN/model/          the best epoch's model (ModelStore)
 *   RUN/snapshot.bin    the latest snapshot (and snapshot.prev.bin, the one before; SnapshotFiles)
 *   RUN/batches.csv     a row per batch applied, written as the run goes (MetricsCsv)
 *   RUN/epochs.csv      a row per validated epoch, likewise
 *   RUN/control.json    while it runs: the dashboard's and control API's address (ControlInfo)
 *   RUN/control.token   while it runs: the control API's token, owner-only
 *   RUN/eval/           what the evaluations of its model wrote
 * </pre>
 */
public record RunFolder(Path dir) {
    public static final String RUN_DATA = "run.json";
    public static final String REPORT = "report.json";
    public static final String MODEL = "model";
    public static final String EVAL = "eval";
    public static final String BATCHES_CSV = "batches.csv";
    public static final String EPOCHS_CSV = "epochs.csv";
    public static final String CONTROL_INFO = "control.json";
    public static final String CONTROL_TOKEN = "control.token";

    public Path runData() {
        return dir.resolve(RUN_DATA);
    }

    public Path report() {
        return dir.resolve(REPORT);
    }

    public Path model() {
        return dir.resolve(MODEL);
    }

    public Path eval() {
        return dir.resolve(EVAL);
    }

    public Path batchesCsv() {
        return dir.resolve(BATCHES_CSV);
    }

    public Path epochsCsv() {
        return dir.resolve(EPOCHS_CSV);
    }

    public Path snapshot() {
        return dir.resolve(SnapshotFiles.FILE_NAME);
    }

    public Path controlInfo() {
        return dir.resolve(CONTROL_INFO);
    }

    public Path controlToken() {
        return dir.resolve(CONTROL_TOKEN);
    }

    /** Whether a run was ever started here (its run.json exists). */
    public boolean isRun() {
        return Files.exists(runData());
    }

    /** Whether the run can continue from here: its data record and a snapshot exist. */
    public boolean canResume() {
        return isRun() && Files.exists(snapshot());
    }

    /** Whether it finished at least one epoch: its report exists. */
    public boolean hasReport() {
        return Files.exists(report());
    }
}
