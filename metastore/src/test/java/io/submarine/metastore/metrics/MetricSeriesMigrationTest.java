package io.submarine.metastore.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.metastore.MariaDbServer;
import io.submarine.metastore.PostgresServer;
import io.submarine.metastore.db.Database;
import io.submarine.metastore.mlflow.MlflowStore;
import io.submarine.storage.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * V8 moves metric points written before it (owner, key and run on every row) into series, on
 * each database: the history and MLflow's latest values read the same afterwards.
 */
class MetricSeriesMigrationTest {

    private Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        Fixtures.deleteTree(dir);
    }

    @Test
    void onH2() throws Exception {
        dir = Files.createTempDirectory("migration-h2");
        String url = "jdbc:h2:file:" + dir.resolve("metastore");
        migrateWithOldPoints(url, "sa", "", "classpath:db/migration");
    }

    @Test
    void onPostgres() throws Exception {
        // Not @TempDir: PostgreSQL runs as another user, which needs to own the directory.
        dir = Files.createTempDirectory("migration-pg");
        try (PostgresServer postgres = PostgresServer.start(dir.resolve("cluster"))) {
            migrateWithOldPoints(postgres.jdbcUrl(), "submarine", "", "classpath:db/migration");
        }
    }

    @Test
    void onMariaDb() throws Exception {
        dir = Files.createTempDirectory("migration-mariadb");
        try (MariaDbServer mariadb = MariaDbServer.start(dir.resolve("server"))) {
            migrateWithOldPoints(mariadb.jdbcUrl(), MariaDbServer.USER, MariaDbServer.PASSWORD, "classpath:db/mysql");
        }
    }

    private static void migrateWithOldPoints(String url, String user, String password, String location) throws Exception {
        Flyway.configure().dataSource(url, user, password).locations(location).target("7").load().migrate();
        try (Connection connection = java.sql.DriverManager.getConnection(url, user, password)) {
            connection.createStatement().executeUpdate("INSERT INTO mlflow_experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)"
                    + " VALUES ('old', '', 'active', 1, 1)");
            connection.createStatement().executeUpdate("INSERT INTO mlflow_runs (run_id, experiment_id, run_name, status, start_time, lifecycle_stage)"
                    + " SELECT 'run1', experiment_id, 'r', 'FINISHED', 1, 'active' FROM mlflow_experiments WHERE name = 'old'");
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO metric_points (run_id, owner_kind, owner_name, metric_key, step,"
                    + " metric_value, special_value, timestamp_ms) VALUES (?, 'experiment', 'old', ?, ?, ?, ?, ?)")) {
                Object[][] rows = {{"", "loss", 0, 0.9, 0}, {"", "loss", 1, 0.7, 0}, {"run1", "loss", 2, 0.5, 0}, {"run1", "acc", 2, 0.0, 1}};
                for (Object[] row : rows) {
                    insert.setString(1, (String) row[0]);
                    insert.setString(2, (String) row[1]);
                    insert.setLong(3, (Integer) row[2]);
                    insert.setDouble(4, (Double) row[3]);
                    insert.setInt(5, (Integer) row[4]);
                    insert.setLong(6, 1000L + (Integer) row[2]);
                    insert.executeUpdate();
                }
            }
        }
        try (Database database = Database.open(url, user, password)) {
            MetricStore metrics = new MetricStore(database.dataSource());
            List<MetricPoint> history = metrics.history("experiment", "old", "loss", 0, Long.MAX_VALUE, 100);
            assertThat(history).extracting(MetricPoint::step).containsExactly(0L, 1L, 2L);
            assertThat(history).extracting(MetricPoint::value).containsExactly(0.9, 0.7, 0.5);
            JsonArray run = metrics.runHistory("run1", "acc");
            assertThat(run).hasSize(1);
            assertThat(run.getJsonObject(0).getDouble("value")).as("a NaN stays NaN").isNaN();
            JsonArray latest = new MlflowStore(database.dataSource(), metrics).run("run1").getJsonObject("data").getJsonArray("metrics");
            assertThat(latest.stream().map(m -> ((io.vertx.core.json.JsonObject) m).getString("key")).toList()).containsExactly("acc", "loss");
            // New points land in the series the migration made.
            try (Connection connection = database.dataSource().getConnection()) {
                connection.setAutoCommit(false);
                MetricStore.insert(connection, metrics.seriesIds("experiment", "old", "", java.util.Set.of("loss")), null,
                        List.of(new MetricPoint("loss", 3, 0.3, 1003)));
                connection.commit();
            }
            assertThat(metrics.history("experiment", "old", "loss", 0, Long.MAX_VALUE, 100)).hasSize(4);
        }
    }
}
