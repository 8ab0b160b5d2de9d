package dev.sparsestream.actors;

import dev.sparsestream.core.inference.Energy;
import dev.sparsestream.core.io.AtomicFiles;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EarlyStopping;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.Summary;
import dev.sparsestream.protocol.BatchRecord;
import dev.sparsestream.protocol.MonitorState;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * A run's metrics as CSV files in its folder, a row per batch applied ({@code batches.csv}) and per validated
 * epoch ({@code epochs.csv}), written as the run goes (each row flushed as it is written, so a reader sees it at
 * once): {@code pandas.read_csv("RUN/batches.csv")}. A resumed run starts both files again from its snapshot's
 * record of the batches and epochs before it, so a row the interrupted run wrote after its last snapshot is not
 * there twice. The files are a view: report.json and the snapshot are the run's record, and a file that cannot be
 * written stops these files (said once on stderr), never the run.
 */
public final class MetricsCsv implements RunListener, AutoCloseable {
    static final String BATCH_HEADER = "seq,epoch,batch,lambda,weights_version,staleness,energy,reconstruction,l1,"
            + "variance_hinge,encoder_term,psnr,sparsity,min_code_std,mean_code_std,dead_components,fista_steps,"
            + "fista_iterations,decoder_loss,encoder_loss,seconds";
    static final String EPOCH_HEADER = "epoch,seconds,lr_decoder,train_energy,train_reconstruction,train_l1,"
            + "train_variance_hinge,train_encoder_term,train_psnr,train_sparsity,train_fista_steps,train_min_code_std,"
            + "train_mean_code_std,train_dead_components,val_energy,val_reconstruction,val_l1,val_variance_hinge,"
            + "val_encoder_term,val_psnr,val_sparsity,val_fista_steps,val_min_code_std,val_mean_code_std,"
            + "val_dead_components,best_so_far";

    private final Path batchesFile;
    private final Path epochsFile;
    private Writer batches;
    private Writer epochs;
    private boolean failed;

    /**
     * Starts the files in {@code folder}: empty but for their headers for a new run, or holding the rows of
     * {@code resumed} (the snapshot's monitor state) for a resumed one.
     */
    public static MetricsCsv open(RunFolder folder, MonitorState resumed) throws IOException {
        return new MetricsCsv(folder, resumed);
    }

    private MetricsCsv(RunFolder folder, MonitorState resumed) throws IOException {
        batchesFile = folder.batchesCsv();
        epochsFile = folder.epochsCsv();
        EarlyStopping best = new EarlyStopping(0); // which epochs were the best so far, by the monitor's rule
        StringBuilder b = new StringBuilder(BATCH_HEADER).append('\n');
        StringBuilder e = new StringBuilder(EPOCH_HEADER).append('\n');
        if (resumed != null) {
            resumed.batches().forEach(r -> b.append(row(r)));
            resumed.epochs().forEach(r -> e.append(row(r, best.record(r.epoch(), r.val().energy()))));
        }
        AtomicFiles.write(batchesFile, b.toString().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(epochsFile, e.toString().getBytes(StandardCharsets.UTF_8));
        batches = append(batchesFile);
        epochs = append(epochsFile);
    }

    private static Writer append(Path file) throws IOException {
        return new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    @Override
    public void onBatch(BatchRecord record, int batchesPerEpoch) {
        write(batches, row(record), batchesFile);
    }

    @Override
    public void onEpoch(EpochReport report, boolean isBest) {
        write(epochs, row(report, isBest), epochsFile);
    }

    private void write(Writer w, String line, Path file) {
        if (failed) {
            return;
        }
        try {
            w.write(line);
            w.flush();
        } catch (IOException e) {
            failed = true;
            System.err.println("sparse-stream: cannot write " + file + " (" + e.getMessage() + "); the run goes on, "
                    + "its metrics CSV files stop here (report.json and the snapshot are unaffected)");
        }
    }

    static String row(BatchRecord r) {
        BatchMetrics m = r.metrics();
        Energy e = m.energy();
        return String.join(",", Long.toString(r.seq()), Integer.toString(r.epoch()), Integer.toString(r.index()),
                num(r.lambda()), Long.toString(r.weightsVersion()), Integer.toString(r.staleness()), num(e.total()),
                num(e.reconstruction()), num(e.sparsity()), num(e.hinge()), num(e.encoder()), num(m.psnr()),
                num(m.codes().sparsity()), num(m.codes().minStd()), num(m.codes().meanStd()),
                Integer.toString(m.codes().deadComponents()), num(m.fistaSteps()), Integer.toString(m.fistaIterations()),
                num(m.decoderLoss()), num(m.encoderLoss()), num(m.seconds())) + "\n";
    }

    static String row(EpochReport r, boolean isBest) {
        return String.join(",", Integer.toString(r.epoch()), num(r.seconds()), num(r.lrDecoder()), summary(r.train()),
                summary(r.val()), isBest ? "1" : "0") + "\n";
    }

    private static String summary(Summary s) {
        Energy e = s.energyTerms();
        return String.join(",", num(e.total()), num(e.reconstruction()), num(e.sparsity()), num(e.hinge()),
                num(e.encoder()), num(s.psnr()), num(s.sparsity()), num(s.fistaSteps()), num(s.minCodeStd()),
                num(s.meanCodeStd()), num(s.deadComponents()));
    }

    /** Shortest text that reads back as the same double; NaN and infinities as pandas reads them. */
    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return Double.toString(v).toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        for (Writer w : new Writer[] {batches, epochs}) {
            try {
                w.close();
            } catch (IOException e) {
                // closing a flushed writer loses nothing
            }
        }
    }
}
