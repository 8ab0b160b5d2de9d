package dev.sparsestream.app.web;

import dev.sparsestream.actors.RunFolder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code control lambda|snapshot|pause|resume|stop --run DIR}: talks to a running job's {@link ControlServer}, found
 * through {@code DIR/control.json} and authorised with {@code DIR/control.token}.
 */
@Command(name = "control", mixinStandardHelpOptions = true,
        description = {"Control a running training job: change lambda, take a snapshot, pause and resume it, or stop it",
                "gracefully (the dashboard's controls, from the command line).",
                "Finds the job through DIR/control.json and DIR/control.token, which the job writes while it runs",
                "(DIR is the folder given to train --out).",
                "Exit codes: 0 done; 1 the learner refused; 2 invalid input, the run is not running, or the token is wrong."},
        subcommands = {ControlCommand.Lambda.class, ControlCommand.Snapshot.class, ControlCommand.Pause.class,
                ControlCommand.Resume.class, ControlCommand.Stop.class,
                CommandLine.HelpCommand.class})
public final class ControlCommand implements Runnable {
    static final int DONE = 0;
    static final int REFUSED = 1;
    static final int FAILED = 2;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than the server's wait for the learner, so the server's 504 arrives rather than our timeout. */
    private static final Duration REQUEST_TIMEOUT = ControlServer.DEFAULT_ASK_TIMEOUT.plusSeconds(15);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: lambda, snapshot, pause, resume or stop");
    }

    /** The run folder option shared by the actions. */
    static final class RunOption {
        @Option(names = "--run", defaultValue = "runs/latest", paramLabel = "DIR",
                description = "The running job's folder, the one given to train --out (default runs/latest, train's default).")
        Path dir;
    }

    @Command(name = "lambda", mixinStandardHelpOptions = true,
            description = {"Set lambda (the sparsity weight) from the next batch the workers start.",
                    "VALUE must be a finite number >= 0."})
    static final class Lambda implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        RunOption run;

        // A String, not a double: the check and its message are LambdaValue's, the same as the server's.
        @Parameters(index = "0", paramLabel = "VALUE", description = "The new lambda, e.g. 0.01.")
        String value;

        @Override
        public Integer call() {
            double lambda;
            try {
                lambda = LambdaValue.parseArgument(value);
            } catch (IllegalArgumentException e) {
                return fail(spec, e.getMessage());
            }
            String body = ControlInfo.JSON.createObjectNode().put(LambdaValue.FIELD, lambda).toString();
            return post(spec, run.dir, "/api/lambda", body);
        }
    }

    /** An action without a body: POST to {@link #path()}. */
    abstract static class PlainAction implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        RunOption run;

        abstract String path();

        @Override
        public Integer call() {
            return post(spec, run.dir, path(), "");
        }
    }

    @Command(name = "snapshot", mixinStandardHelpOptions = true,
            description = "Write a snapshot of the model now; prints where it was written.")
    static final class Snapshot extends PlainAction {
        @Override
        String path() {
            return "/api/snapshot";
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = {"Pause the stream: the batches in flight are applied, no new batch starts until resumed.",
                    "Lambda, snapshots and stop still work while paused."})
    static final class Pause extends PlainAction {
        @Override
        String path() {
            return "/api/pause";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused stream.")
    static final class Resume extends PlainAction {
        @Override
        String path() {
            return "/api/resume";
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = {"Stop gracefully: no new batches, a snapshot once the batches in flight are applied, then exit.",
                    "Waits (at most --wait seconds) until the job has ended."})
    static final class Stop extends PlainAction {
        @Option(names = "--wait", defaultValue = "600", paramLabel = "SECONDS",
                description = "How long to wait for the job to end (default 600; 0: do not wait).")
        long waitSeconds;

        @Override
        String path() {
            return "/api/stop";
        }

        @Override
        public Integer call() {
            int code = super.call();
            if (code != DONE || waitSeconds <= 0) {
                return code;
            }
            // The job removes control.json as it ends, after its last snapshot.
            Path info = new RunFolder(run.dir).controlInfo();
            long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
            try {
                while (Files.exists(info) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return FAILED;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (Files.exists(info)) {
                out.println("the job is still stopping after " + waitSeconds + " s");
                out.flush();
                return FAILED;
            }
            out.println("the job has stopped; resume with: sparse-stream train --resume " + run.dir);
            out.flush();
            return DONE;
        }
    }

    /**
     * POSTs {@code body} to the run's endpoint and reports the outcome.
     *
     * @return {@link #DONE} on 200, {@link #REFUSED} on 400 (the learner or the server refused the
     *         request), {@link #FAILED} when the run cannot be reached or the token is refused
     */
    static int post(CommandLine.Model.CommandSpec spec, Path runDir, String path, String body) {
        ControlInfo info;
        String token;
        try {
            info = ControlInfo.read(runDir);
        } catch (NoSuchFileException e) {
            return fail(spec, "run " + runDir + " is not running: no " + new RunFolder(runDir).controlInfo()
                    + " (a job writes it while it trains and removes it when it ends)");
        } catch (IOException e) {
            return fail(spec, "cannot read " + new RunFolder(runDir).controlInfo() + ": " + e.getMessage());
        }
        Path tokenFile = new RunFolder(runDir).controlToken();
        try {
            token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return fail(spec, "cannot read the token " + tokenFile + ": " + e);
        }
        URI uri = info.uri(path);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
            response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            return fail(spec, "run " + runDir + " is not running: nothing answers at " + uri + " ("
                    + new RunFolder(runDir).controlInfo() + " is left from a job that ended without removing it; pid "
                    + info.pid() + ")");
        } catch (HttpTimeoutException e) {
            return fail(spec, "no answer from " + uri + " within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            return fail(spec, "cannot reach " + uri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(spec, "interrupted while waiting for " + uri);
        }
        String message = messageOf(response.body());
        switch (response.statusCode()) {
            case 200 -> {
                PrintWriter out = spec.commandLine().getOut();
                out.println(message);
                out.flush();
                return DONE;
            }
            case 400 -> {
                PrintWriter err = spec.commandLine().getErr();
                err.println("refused: " + message);
                err.flush();
                return REFUSED;
            }
            case 401 -> {
                return fail(spec, "the job refused the token in " + tokenFile + " (" + message
                        + "); is another job now using " + runDir + "?");
            }
            default -> {
                return fail(spec, uri + " answered " + response.statusCode() + ": " + message);
            }
        }
    }

    /** The server's {@code message} field, or the raw body when it is not the server's JSON. */
    private static String messageOf(String body) {
        try {
            JsonNode node = ControlInfo.JSON.readTree(body);
            if (node != null && node.hasNonNull("message")) {
                return node.get("message").asText();
            }
        } catch (IOException e) {
            // not JSON: fall through to the raw text
        }
        return body.isBlank() ? "(no message)" : body.strip();
    }

    private static int fail(CommandLine.Model.CommandSpec spec, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: " + message);
        err.flush();
        return FAILED;
    }
}
