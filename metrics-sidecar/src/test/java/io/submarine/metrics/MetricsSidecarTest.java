package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The program's flags: --help names every variable, and a configuration error exits 2 at once saying what to fix. */
class MetricsSidecarTest {

    @TempDir
    Path dir;

    @Test
    void helpListsEachFlagWithItsVariable() {
        PrintStream out = System.out;
        ByteArrayOutputStream help = new ByteArrayOutputStream();
        System.setOut(new PrintStream(help, true, StandardCharsets.UTF_8));
        try {
            assertThat(MetricsSidecar.run(Map.of(), "--help")).isZero();
        } finally {
            System.setOut(out);
        }
        assertThat(help.toString(StandardCharsets.UTF_8)).contains("--logdir", "METRICS_SIDECAR_LOGDIR", "SUBMARINE_STORAGE_URI", "--flush-interval",
                "--max-series", "SUBMARINE_METASTORE_URL", "--tracking-port", "--journal-dir", "--journal-limit", "Exit codes");
    }

    @Test
    void configurationErrorsExitAtOnceWithWhatToFix() throws Exception {
        Path termination = dir.resolve("termination-log");
        Map<String, String> env = new HashMap<>(SidecarProcess.POD);
        env.put("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString());
        String logdir = dir.resolve("logdir").toString();
        String work = dir.resolve("work").toString();
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--work-dir", work)).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--logdir");
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--logdir", logdir, "--work-dir", work, "--piece-bytes", "10"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--piece-bytes must be at least 1024");
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--logdir", logdir, "--work-dir", work, "--flush-interval", "0s"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("must be positive");
        Path aFile = Files.writeString(dir.resolve("a-file"), "");
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--logdir", aFile.toString(), "--work-dir", work))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("is not a directory");
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--logdir", logdir, "--work-dir", aFile.resolve("w").toString()))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--work-dir " + aFile.resolve("w") + " cannot be used");
        assertThat(MetricsSidecar.run(Map.of("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString()), "--storage-uri", "file:///tmp/x",
                "--logdir", logdir, "--work-dir", work)).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("POD_NAMESPACE");
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--logdir", logdir, "--work-dir", work, "--metastore-url", "metastore:8080"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("metastore URL must be http(s)");
        assertThat(MetricsSidecar.run(env, "--storage-uri", "file:///tmp/x", "--logdir", logdir, "--work-dir", work, "--journal-limit", "-1"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--journal-limit must not be negative");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(MetricsSidecar.run(env, "--storage-uri", dir.resolve("remote").toUri().toString(), "--logdir", logdir, "--work-dir", work,
                    "--health-port", "0", "--tracking-port", Integer.toString(taken.getLocalPort()))).isEqualTo(ExitCode.CONFIG.code());
            assertThat(Files.readString(termination)).contains("cannot serve MLflow tracking on 127.0.0.1:" + taken.getLocalPort(), "--tracking-port");
        }
        // Found only as it starts: storage no backend serves.
        assertThat(MetricsSidecar.run(env, "--storage-uri", "nope://bucket/runs", "--logdir", logdir, "--work-dir", work, "--health-port", "0"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("nope");
    }
}
