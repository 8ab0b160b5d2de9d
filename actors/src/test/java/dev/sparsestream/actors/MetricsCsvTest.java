package dev.sparsestream.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparsestream.core.inference.CodeStats;
import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.model.Weights;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.MonitorState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {
    @TempDir
    Path dir;

    static BatchRecord batch(long seq) {
        double v = 1.0 / (seq + 3); // values whose decimal text is long: they must read back exactly
        return new BatchRecord(seq, 1 + (int) (seq / 4), (int) (seq % 4), 0.02, seq, seq > 0 ? 1 : 0,
                new BatchMetrics(new Energy(10 + v, 2 * v, 3 * v, 0), 17 + v, new CodeStats(v, 2 * v, (int) seq, 0.9),
                        20 + seq, 40, v, v / 7, 1e-3 * v));
    }

    static EpochReport epoch(int e, double valEnergy) {
        Summary s = new Summary(new Energy(valEnergy, 1, 0.5, 0.25), 16, 0.92, 21, 0.3, 0.5, 0);
        return new EpochReport(e, 2.5, 3e-4, s, new Summary(new Energy(valEnergy - 1.75, 1, 0.5, 0.25), 16.5, 0.91, 0,
                0.2, 0.4, Double.NaN)); // val energy (the total): valEnergy
    }

    private List<String> lines(String file) throws IOException {
        return Files.readAllLines(dir.resolve(file));
    }

    @Test
    void aNewRunGetsHeadersThenARowPerBatchAndPerEpochThatReadBackExactly() throws IOException {
        try (MetricsCsv csv = MetricsCsv.open(new RunFolder(dir), null)) {
            assertEquals(List.of(MetricsCsv.BATCH_HEADER), lines(RunFolder.BATCHES_CSV), "the header at once");
            csv.onBatch(batch(0), 4);
            csv.onBatch(batch(1), 4);
            assertEquals(3, lines(RunFolder.BATCHES_CSV).size(), "each row is in the file as soon as it is written");
            csv.onEpoch(epoch(1, 120.5), true);
        }
        List<String> b = lines(RunFolder.BATCHES_CSV);
        String[] header = b.get(0).split(",");
        String[] row = b.get(2).split(",");
        assertEquals(header.length, row.length);
        BatchRecord r = batch(1);
        assertEquals(r.seq(), Long.parseLong(row[0]));
        assertEquals(r.metrics().energy().total(), Double.parseDouble(row[List.of(header).indexOf("energy")]));
        assertEquals(r.metrics().psnr(), Double.parseDouble(row[List.of(header).indexOf("psnr")]));
        assertEquals(r.metrics().codes().minStd(), Double.parseDouble(row[List.of(header).indexOf("min_code_std")]));
        assertEquals(r.metrics().seconds(), Double.parseDouble(row[List.of(header).indexOf("seconds")]));
        List<String> e = lines(RunFolder.EPOCHS_CSV);
        assertEquals(2, e.size());
        String[] eh = e.get(0).split(",");
        String[] er = e.get(1).split(",");
        assertEquals(eh.length, er.length);
        assertEquals("nan", er[List.of(eh).indexOf("val_dead_components")], "NaN as pandas reads it");
        assertEquals("1", er[eh.length - 1], "the best epoch so far");
        assertEquals(120.5, Double.parseDouble(er[List.of(eh).indexOf("val_energy")]));
    }

    @Test
    void aResumedRunStartsFromItsSnapshotSoNoRowIsThereTwice() throws IOException {
        try (MetricsCsv csv = MetricsCsv.open(new RunFolder(dir), null)) {
            for (long s = 0; s < 6; s++) {
                csv.onBatch(batch(s), 4);
            }
            csv.onEpoch(epoch(1, 120), true);
        }
        // The interrupted run wrote batches 0-5 and epoch 1; its last snapshot holds batches 0-3 and epoch 1 only.
        MonitorState snapshot = new MonitorState(List.of(batch(0), batch(1), batch(2), batch(3)), List.of(epoch(1, 120)),
                1, 120, new Weights(4, List.of("W"), new float[][] {{1f}}));
        try (MetricsCsv csv = MetricsCsv.open(new RunFolder(dir), snapshot)) {
            for (long s = 4; s < 8; s++) {
                csv.onBatch(batch(s), 4);
            }
            csv.onEpoch(epoch(2, 121), false);
        }
        List<String> b = lines(RunFolder.BATCHES_CSV);
        assertEquals(9, b.size(), "header and batches 0-7, each once");
        for (int s = 0; s < 8; s++) {
            assertTrue(b.get(s + 1).startsWith(s + ","), b.get(s + 1));
            assertEquals(MetricsCsv.row(batch(s)), b.get(s + 1) + "\n", "the snapshot's rows as the run wrote them");
        }
        List<String> e = lines(RunFolder.EPOCHS_CSV);
        assertEquals(List.of("1", "2"), e.subList(1, 3).stream().map(l -> l.split(",")[0]).toList());
        assertTrue(e.get(1).endsWith(",1") && e.get(2).endsWith(",0"), "best so far: epoch 1, not 2 (121 > 120)");
    }

    @Test
    void aFileThatCannotBeWrittenStopsTheCsvNotTheRun() throws IOException {
        MetricsCsv csv = MetricsCsv.open(new RunFolder(dir), null);
        csv.close(); // its writers are closed: every later write fails
        csv.onBatch(batch(0), 4);
        csv.onEpoch(epoch(1, 1), true);
        assertEquals(1, lines(RunFolder.BATCHES_CSV).size());
    }
}
