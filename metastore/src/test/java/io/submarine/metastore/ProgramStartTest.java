package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as it starts: its secrets masked from the moment they are read, and what a platform
 * engineer gets wrong (a database not there, a port taken, a file or directory it cannot use)
 * ending with the exit code and a message that names what to fix, not an internal error.
 */
class ProgramStartTest {

    @TempDir
    Path dir;

    @Test
    void secretsAreMaskedAsTheyAreReadAndADatabaseThatIsNotThereIsUnreachable() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "admin admin-tok-8c21\nreporter rep-tok-77e0\n");
        Path password = Files.writeString(dir.resolve("db-password"), "db-pass-3f9a\n");
        // A database that is not there: the run fails right after reading its secrets.
        int exit = Metastore.run("--port", "0", "--token-file", tokens.toString(), "--jdbc-password-file", password.toString(),
                "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + Fixtures.freePort() + "/metastore");
        assertThat(exit).isEqualTo(ExitCode.UNREACHABLE.code());
        assertThat(Redactor.global().redact("offered admin-tok-8c21, rep-tok-77e0; logged in with db-pass-3f9a"))
                .doesNotContain("admin-tok-8c21", "rep-tok-77e0", "db-pass-3f9a");
    }

    @Test
    void aPortInUseIsAConfigurationError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String port = Integer.toString(taken.getLocalPort());
            assertConfigError("cannot listen on 127.0.0.1:" + port + " (--host, --port)", "--port", port, "--data-dir", dir.resolve("data").toString());
        }
    }

    @Test
    void filesAndDirectoriesItCannotUseAreConfigurationErrors() throws Exception {
        Path data = dir.resolve("data");
        assertConfigError("--tls-key-file " + dir.resolve("missing.key") + " is not a readable file", "--port", "0", "--data-dir", data.toString(),
                "--tls-cert-file", Files.writeString(dir.resolve("cert.pem"), "pem").toString(), "--tls-key-file", dir.resolve("missing.key").toString());
        assertConfigError("--token-file " + dir + " is not a readable file", "--port", "0", "--data-dir", data.toString(), "--token-file", dir.toString());
        Path aFile = Files.writeString(dir.resolve("a-file"), "");
        assertConfigError("--data-dir " + aFile.resolve("data") + " cannot be made", "--port", "0", "--data-dir", aFile.resolve("data").toString());
    }

    private static void assertConfigError(String message, String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Metastore.run(args);
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(log).isEqualTo(ExitCode.CONFIG.code());
        assertThat(log).contains("failed (configuration error): " + message);
    }
}
