package io.submarine.sidecar.lifecycle;

import io.submarine.sidecar.cli.Flags;
import io.submarine.sidecar.log.Redactor;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Runs a picocli command as a container program: flags with environment variables, every
 * failure mapped to an {@link ExitCode}, the message logged as JSON and written as the
 * termination message. Programs call {@link #run} from {@code main} and pass the result to
 * {@code System.exit}.
 */
public final class Program {

    /** Logging starts on first use: --help and --version never pay for configuring it (~70 ms). */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Program.class);
    }

    /** The environment variable that overrides where the termination message goes. */
    public static final String TERMINATION_MESSAGE_ENV = "SUBMARINE_TERMINATION_MESSAGE_PATH";
    static final String DEFAULT_TERMINATION_MESSAGE = "/dev/termination-log";

    private final String envPrefix;
    private final Map<String, String> environment;
    private final Function<Throwable, ExitCode> classifier;
    private final Redactor redactor;

    /**
     * @param envPrefix the program's variable prefix, e.g. {@code LOCALIZER}
     * @param classifier maps the program's own failures (storage errors, say) to exit codes;
     *     return {@code null} for "not mine", which becomes {@link ExitCode#INTERNAL}
     */
    public Program(String envPrefix, Map<String, String> environment, Function<Throwable, ExitCode> classifier) {
        this.envPrefix = envPrefix;
        this.environment = environment;
        this.classifier = classifier;
        this.redactor = Redactor.global();
    }

    /** Parses {@code args}, runs {@code command}, and returns the exit code. */
    public int run(Callable<Integer> command, String... args) {
        CommandLine commandLine = Flags.configure(new CommandLine(command), envPrefix, environment);
        commandLine.getCommandSpec().usageMessage().footerHeading("%nExit codes:%n").footer(ExitCode.table());
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> fail(exitCodeOf(e), e));
        commandLine.setParameterExceptionHandler((e, args2) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(redactor.redact(e.getMessage()));
            err.println("Run with --help for the flags and their environment variables.");
            return fail(ExitCode.CONFIG, e);
        });
        return commandLine.execute(args);
    }

    private ExitCode exitCodeOf(Throwable e) {
        if (e instanceof ProgramException program) {
            return program.exitCode();
        }
        if (e instanceof CommandLine.ParameterException) {
            return ExitCode.CONFIG;
        }
        ExitCode mapped = classifier.apply(e);
        return mapped != null ? mapped : ExitCode.INTERNAL;
    }

    private int fail(ExitCode exitCode, Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (exitCode == ExitCode.INTERNAL) {
            Log.LOG.error("failed ({}): {}", exitCode.meaning(), message, e);
        } else {
            Log.LOG.error("failed ({}): {}", exitCode.meaning(), message);
        }
        TerminationMessage termination = TerminationMessage.of(environment);
        try {
            termination.write(exitCode.meaning() + ": " + message);
        } catch (IOException | RuntimeException notInAPod) {
            Log.LOG.debug("no termination message written to {}: {}", termination.path(), notInAPod.toString());
        }
        return exitCode.code();
    }
}
