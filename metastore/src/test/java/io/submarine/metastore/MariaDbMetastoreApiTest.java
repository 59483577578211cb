package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
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

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }
}
