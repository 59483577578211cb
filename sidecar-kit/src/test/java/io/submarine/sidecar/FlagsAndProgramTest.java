package io.submarine.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.cli.Env;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.Program;
import io.submarine.sidecar.lifecycle.ProgramException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class FlagsAndProgramTest {

    @Command(name = "demo", mixinStandardHelpOptions = true)
    static final class Demo implements Callable<Integer> {
        @Option(names = "--git-url", description = "Repository to clone.")
        String gitUrl;

        @Option(names = "--depth", defaultValue = "1", description = "History depth.")
        int depth;

        @Env("SUBMARINE_STORAGE_URI")
        @Option(names = "--storage-uri", description = "Where to ship.")
        String storageUri;

        @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up after this long.")
        Duration timeout;

        RuntimeException failure;

        @Override
        public Integer call() {
            if (failure != null) {
                throw failure;
            }
            return 0;
        }
    }

    @TempDir
    Path dir;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put(Program.TERMINATION_MESSAGE_ENV, dir.resolve("termination-log").toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void environmentVariablesFillFlagsAndTheCommandLineWins() {
        Demo demo = new Demo();
        int exit = new Program("DEMO", env("DEMO_GIT_URL", "https://example.org/repo.git", "DEMO_DEPTH", "5",
                "SUBMARINE_STORAGE_URI", "s3://bucket/root"), e -> null).run(demo, "--depth", "7");
        assertThat(exit).isZero();
        assertThat(demo.gitUrl).isEqualTo("https://example.org/repo.git");
        assertThat(demo.depth).isEqualTo(7);
        assertThat(demo.storageUri).isEqualTo("s3://bucket/root");
    }

    @Test
    void defaultsApplyWhenNeitherFlagNorVariableIsSet() {
        Demo demo = new Demo();
        assertThat(new Program("DEMO", env(), e -> null).run(demo)).isZero();
        assertThat(demo.depth).isEqualTo(1);
        assertThat(demo.gitUrl).isNull();
    }

    @Test
    void helpListsEveryVariableAndTheExitCodes() {
        String help = captureStdout(() -> new Program("DEMO", env(), e -> null).run(new Demo(), "--help"));
        assertThat(help).contains("--git-url", "Env: DEMO_GIT_URL", "Env: DEMO_DEPTH", "Env: SUBMARINE_STORAGE_URI",
                "Exit codes:", "2  configuration error", "6  checksum mismatch");
    }

    @Test
    void aBadFlagIsAConfigErrorWithATerminationMessage() throws Exception {
        PrintStream err = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertThat(new Program("DEMO", env(), e -> null).run(new Demo(), "--depth", "many")).isEqualTo(ExitCode.CONFIG.code());
        } finally {
            System.setErr(err);
        }
        assertThat(Files.readString(dir.resolve("termination-log"))).startsWith("configuration error: ").contains("many");
    }

    @ParameterizedTest
    @CsvSource({"90s, PT1M30S", "5m, PT5M", "1h30m, PT1H30M", "250ms, PT0.25S", "1.5h, PT1H30M", "0, PT0S", "PT2M, PT2M", "pt10s, PT10S"})
    void durationsAreTakenAsKubernetesWritesThemOrInIso8601(String flag, String expected) {
        Demo demo = new Demo();
        assertThat(new Program("DEMO", env(), e -> null).run(demo, "--timeout", flag)).isZero();
        assertThat(demo.timeout).isEqualTo(Duration.parse(expected));
        Demo fromEnv = new Demo();
        assertThat(new Program("DEMO", env("DEMO_TIMEOUT", flag), e -> null).run(fromEnv)).isZero();
        assertThat(fromEnv.timeout).isEqualTo(Duration.parse(expected));
    }

    /** Messages write a duration as its flag would be written, which parses back to the same. */
    @ParameterizedTest
    @CsvSource({"PT1M30S, 1m30s", "PT40S, 40s", "PT1H30M, 1h30m", "PT0.25S, 250ms", "PT0S, 0s", "PT26H, 26h", "PT0.0000001S, PT0.0000001S"})
    void durationsAreWrittenAsFlagsAre(String iso, String written) {
        assertThat(io.submarine.sidecar.cli.Durations.format(Duration.parse(iso))).isEqualTo(written);
        assertThat(io.submarine.sidecar.cli.Durations.parse(written)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "30x", "5m30", "m", "1h 30m", "-5s", "PT", "99999999999999h"})
    void aDurationThatIsNoneSaysHowToWriteOne(String flag) throws Exception {
        PrintStream err = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertThat(new Program("DEMO", env(), e -> null).run(new Demo(), "--timeout", flag)).isEqualTo(ExitCode.CONFIG.code());
        } finally {
            System.setErr(err);
        }
        assertThat(Files.readString(dir.resolve("termination-log"))).contains("'" + flag + "' is not a duration", "90s, 5m, 1h30m or PT30M");
    }

    @Test
    void failuresMapToTheirExitCodesAndSecretsStayOutOfTheMessage() throws Exception {
        Demo demo = new Demo();
        demo.failure = new ProgramException(ExitCode.AUTH, "clone of https://alice:hunter22@git.example.org/r.git refused");
        assertThat(new Program("DEMO", env(), e -> null).run(demo)).isEqualTo(4);
        String message = Files.readString(dir.resolve("termination-log"));
        assertThat(message).contains("alice:***@git.example.org").doesNotContain("hunter22");

        demo.failure = new IllegalStateException("storage said no");
        assertThat(new Program("DEMO", env(), e -> e instanceof IllegalStateException ? ExitCode.UNREACHABLE : null).run(demo))
                .isEqualTo(ExitCode.UNREACHABLE.code());
        demo.failure = new UnsupportedOperationException("bug");
        assertThat(new Program("DEMO", env(), e -> null).run(demo)).isEqualTo(ExitCode.INTERNAL.code());
    }

    private static String captureStdout(Runnable action) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
