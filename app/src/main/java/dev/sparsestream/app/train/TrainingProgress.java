package dev.sparsestream.app.train;

import dev.sparsestream.actors.RunListener;
import dev.sparsestream.core.train.BatchMetrics;
import dev.sparsestream.core.train.EpochReport;
import dev.sparsestream.core.train.LambdaChange;
import dev.sparsestream.core.train.StepSizeWatch;
import dev.sparsestream.protocol.BatchRecord;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar per epoch and one line per epoch (called on the monitor's thread). */
public final class TrainingProgress implements RunListener {
    private final boolean bar;
    private ProgressBar pb;
    private boolean warnedAllZero;
    private final double eta;
    private final StepSizeWatch steps = new StepSizeWatch();

    TrainingProgress(boolean bar, double eta) {
        this.bar = bar;
        this.eta = eta;
    }

    @Override
    public void onBatch(BatchRecord r, int batches) {
        if (!bar) {
            return;
        }
        if (pb == null) {
            pb = new ProgressBarBuilder().setTaskName("epoch " + r.epoch()).setInitialMax(batches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
        BatchMetrics m = r.metrics();
        pb.stepTo(r.index() + 1);
        pb.setExtraMessage(String.format(" E %.1f  PSNR %.2f  steps %.1f", m.energy().total(), m.psnr(), m.fistaSteps()));
    }

    @Override
    public void onLambda(LambdaChange change) {
        System.err.printf("%nlambda %s from batch %d%n", change.lambda(), change.fromBatch());
    }

    @Override
    public void onEpoch(EpochReport r, boolean isBest) {
        close();
        System.out.printf("epoch %3d  %6.1fs  train: energy %.2f psnr %.2f sparsity %.3f steps %.1f | "
                        + "val: energy %.2f psnr %.2f sparsity %.3f | min std %.3f dead %.1f%s%n",
                r.epoch(), r.seconds(), r.train().energy(), r.train().psnr(), r.train().sparsity(), r.train().fistaSteps(),
                r.val().energy(), r.val().psnr(), r.val().sparsity(), r.train().minCodeStd(), r.train().deadComponents(),
                isBest ? "  *best" : "");
        String tooLong = steps.observe(r.epoch(), r.train().fistaSteps(), eta);
        if (tooLong != null) {
            System.out.println(tooLong);
        }
        if (r.train().sparsity() == 1.0 && !warnedAllZero) {
            // with every code at 0 the decoder's output is constant and its gradient through the codes is 0
            // (for a non-linear decoder with b1 <= 0, relu'(0) = 0 stops everything): nothing will move
            warnedAllZero = true;
            System.out.printf("warning: every code of epoch %d was zero (sparsity 1.000, %.1f FISTA steps): the"
                    + " shrinkage outweighs the reconstruction's pull, so the model cannot learn from here; give a"
                    + " smaller --lambda%n", r.epoch(), r.train().fistaSteps());
        }
    }

    void close() {
        if (pb != null) {
            pb.close();
            pb = null;
        }
    }
}
