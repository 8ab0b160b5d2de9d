package dev.sparsestream.app.eval;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"The paper's evaluations of saved models, as JSON/CSV results and PNG pictures:",
                "  recon     test-set PSNR and sparsity (encoder codes), with inputs above their reconstructions",
                "  denoise   Table 1: PSNR and sparsity of clean and noisy reconstructions, pictures as Figures 7-8",
                "  classify  low-data MNIST classification on frozen codes against two baselines (Figure 9)",
                "  atoms     the decoder's atoms and the encoder's filters (Figures 2-5, 14)",
                "  collapse  the no-regularisation ablation against VDL: the codes' L1 norms collapse (Sec. 4.4)"},
        subcommands = {EvalReconCommand.class, EvalDenoiseCommand.class, EvalClassifyCommand.class, EvalAtomsCommand.class,
                EvalCollapseCommand.class, CommandLine.HelpCommand.class})
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
