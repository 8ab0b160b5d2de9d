package dev.sparsestream.app.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Train on a Pekko cluster: one seed node with the data source, the learner, the monitor and the",
                "dashboard, and any number of worker nodes contributing inference workers (joining and leaving at any",
                "time). deploy/local-cluster.sh starts one on this machine.",
                "  seed    start the cluster and its run (the options of 'train', and the node's)",
                "  worker  join a cluster with --workers inference workers"},
        subcommands = {ClusterSeedCommand.class, ClusterWorkerCommand.class, CommandLine.HelpCommand.class})
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
