package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service as it starts: its secrets masked from the moment they are read; a database that is not there. */
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
}
