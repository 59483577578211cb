package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same API suite on a real MariaDB (the MySQL dialect), a throw-away server on a free loopback
 * port, reached with a user and password as in production.
 */
class MariaDbMetastoreApiTest extends MetastoreApiTest {
    @TempDir
    static Path dir;
    private static MariaDbServer mariadb;

    @BeforeAll
    static void start() throws Exception {
        mariadb = MariaDbServer.start(dir.resolve("server"));
        startServer(Database.open(mariadb.jdbcUrl(), MariaDbServer.USER, MariaDbServer.PASSWORD), dir);
    }

    @Test
    void aMysqlUrlIsSpokenToWithTheMariaDbDriver() throws Exception {
        try (Database database = Database.open(mariadb.jdbcUrl().replace("jdbc:mariadb:", "jdbc:mysql:"), MariaDbServer.USER, MariaDbServer.PASSWORD);
                java.sql.Connection connection = database.dataSource().getConnection();
                java.sql.ResultSet rows = connection.createStatement().executeQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).as("every migration applied once").isGreaterThanOrEqualTo(5);
        }
        assertThatThrownBy(() -> Database.open(mariadb.jdbcUrl(), MariaDbServer.USER, "wrong").close())
                .hasMessageNotContaining(MariaDbServer.PASSWORD);
    }

    @Test
    void theProgramTakesAJdbcUrlAndAPasswordFile() throws Exception {
        Path password = Files.writeString(dir.resolve("db-password"), MariaDbServer.PASSWORD + "\n");
        int port = Fixtures.freePort();
        Path log = dir.resolve("metastore-program.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (ExternalServer program = new ExternalServer("metastore", List.of(java, "-cp", System.getProperty("java.class.path"),
                Metastore.class.getName(), "--port", Integer.toString(port), "--jdbc-url", mariadb.jdbcUrl(), "--jdbc-user", MariaDbServer.USER,
                "--jdbc-password-file", password.toString()), Map.of(), port, log, Duration.ofSeconds(60))) {
            program.start();
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        }
        assertThat(Files.readString(log)).contains("MariaDB").doesNotContain(MariaDbServer.PASSWORD);
    }

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }
}
