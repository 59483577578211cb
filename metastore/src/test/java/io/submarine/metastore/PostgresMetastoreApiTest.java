package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The same API suite on a real PostgreSQL, a throw-away cluster on a free loopback port. */
class PostgresMetastoreApiTest extends MetastoreApiTest {
    private static PostgresServer postgres;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        // Not @TempDir: PostgreSQL runs as another user, which needs to own the directory.
        dir = Files.createTempDirectory("metastore-pg");
        postgres = PostgresServer.start(dir.resolve("cluster"));
        startServer(Database.open(postgres.jdbcUrl(), "submarine", ""), dir);
    }

    /** A role the database does not know is an authentication failure at start-up, not an internal error. */
    @Test
    @Timeout(60)
    void aLoginTheDatabaseRefusesExitsWithAuthenticationRefused() {
        assertThat(Metastore.run("--port", "0", "--jdbc-url", postgres.jdbcUrl(), "--jdbc-user", "no-such-role"))
                .isEqualTo(ExitCode.AUTH.code());
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
