package dev.sparsestream.app;

import dev.sparsestream.app.train.TrainCommand;
import dev.sparsestream.app.data.FetchCommand;
import dev.sparsestream.app.data.PatchesCommand;
import dev.sparsestream.app.cluster.ClusterCommand;
import dev.sparsestream.app.web.ControlCommand;
import dev.sparsestream.app.eval.EvalCommand;
import dev.sparsestream.app.eval.EncodeCommand;
import dev.sparsestream.app.eval.ReportCommand;
import dev.sparsestream.app.eval.SweepCommand;
import dev.sparsestream.app.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The sparse-stream command line. */
@Command(name = "sparse-stream", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Sparse coding with variance regularisation (Evtimova & LeCun, TMLR 2022).",
        subcommands = {FetchCommand.class, PatchesCommand.class, TrainCommand.class, ClusterCommand.class, EvalCommand.class, SweepCommand.class, ReportCommand.class, EncodeCommand.class, BenchCommand.class, ControlCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final String VERSION = dev.sparsestream.core.BuildInfo.VERSION;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // SLF4J set up here, before any thread logs: a first log call from two threads at once (the actor
        // system starts while the data loads) made it print three lines of "replayed calls" warnings.
        org.slf4j.LoggerFactory.getILoggerFactory();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; errors in user input print a message without a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpWidth(120); // the descriptions are written for 120 columns
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof IllegalStateException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sparse-stream " + VERSION};
        }
    }
}
