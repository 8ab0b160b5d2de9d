package dev.sparsestream.app;

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
 *   RUN/control.json    while it runs: the dashboard's and control API's address (ControlInfo)
 *   RUN/control.token   while it runs: the control API's token, owner-only
 *   RUN/eval/           what the evaluations of its model wrote
 * </pre>
 */
record RunFolder(Path dir) {
    static final String RUN_DATA = "run.json";
    static final String REPORT = "report.json";
    static final String MODEL = "model";
    static final String EVAL = "eval";
    static final String CONTROL_INFO = "control.json";
    static final String CONTROL_TOKEN = "control.token";

    Path runData() {
        return dir.resolve(RUN_DATA);
    }

    Path report() {
        return dir.resolve(REPORT);
    }

    Path model() {
        return dir.resolve(MODEL);
    }

    Path eval() {
        return dir.resolve(EVAL);
    }

    Path snapshot() {
        return dir.resolve(SnapshotFiles.FILE_NAME);
    }

    Path controlInfo() {
        return dir.resolve(CONTROL_INFO);
    }

    Path controlToken() {
        return dir.resolve(CONTROL_TOKEN);
    }

    /** Whether a run was ever started here (its run.json exists). */
    boolean isRun() {
        return Files.exists(runData());
    }

    /** Whether the run can continue from here: its data record and a snapshot exist. */
    boolean canResume() {
        return isRun() && Files.exists(snapshot());
    }

    /** Whether it finished at least one epoch: its report exists. */
    boolean hasReport() {
        return Files.exists(report());
    }
}
