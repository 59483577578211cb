package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.metastore.db.Database;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The program on the database servers as production reaches them: a URL, a user, a password file; a login refused. */
class DatabaseServersTest {

    @TempDir
    Path dir;

    /** A role the database does not know is an authentication failure at start-up, not an internal error. */
    @Test
    @Timeout(60)
    void aLoginPostgresqlRefusesExitsWithAuthenticationRefused() throws Exception {
        assertThat(Metastore.run("--port", "0", "--jdbc-url", TestDatabase.POSTGRESQL.jdbcUrl(), "--jdbc-user", "no-such-role"))
                .isEqualTo(ExitCode.AUTH.code());
    }

    @Test
    void aMysqlUrlIsSpokenToWithTheMariaDbDriver() throws Exception {
        String mariadb = TestDatabase.MARIADB.jdbcUrl();
        try (Database database = Database.open(mariadb.replace("jdbc:mariadb:", "jdbc:mysql:"), MariaDbServer.USER, MariaDbServer.PASSWORD);
                java.sql.Connection connection = database.dataSource().getConnection();
                java.sql.ResultSet rows = connection.createStatement().executeQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).as("every migration applied once").isGreaterThanOrEqualTo(5);
        }
        assertThatThrownBy(() -> Database.open(mariadb, MariaDbServer.USER, "wrong").close()).hasMessageNotContaining(MariaDbServer.PASSWORD);
    }

    @Test
    void theProgramTakesAJdbcUrlAndAPasswordFile() throws Exception {
        Path password = Files.writeString(dir.resolve("db-password"), MariaDbServer.PASSWORD + "\n");
        int port = Fixtures.freePort();
        Path log = dir.resolve("metastore-program.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (ExternalServer program = new ExternalServer("metastore", List.of(java, "-cp", System.getProperty("java.class.path"),
                Metastore.class.getName(), "--port", Integer.toString(port), "--jdbc-url", TestDatabase.MARIADB.jdbcUrl(), "--jdbc-user", MariaDbServer.USER,
                "--jdbc-password-file", password.toString()), Map.of(), port, log, Duration.ofSeconds(60))) {
            program.start();
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        }
        assertThat(Files.readString(log)).contains("MariaDB").doesNotContain(MariaDbServer.PASSWORD);
    }
}
