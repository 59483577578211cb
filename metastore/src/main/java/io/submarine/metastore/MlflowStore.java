package io.submarine.metastore;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * MLflow's experiments, runs, params and tags in SQL, answering in MLflow's JSON shapes. Metrics
 * are metric points owned by the run's experiment. Blocking: call it off the event loop.
 */
final class MlflowStore {

    /** A metric, param or tag as MLflow sends it. */
    record Metric(String key, double value, long timestamp, long step) {}

    record KeyValue(String key, String value) {}

    private final DataSource dataSource;

    MlflowStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    long createExperiment(String name, String artifactLocation) throws SQLException {
        long now = System.currentTimeMillis();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)"
                        + " VALUES (?, ?, 'active', ?, ?)", new String[] {"experiment_id"})) {
            insert.setString(1, name);
            insert.setString(2, artifactLocation == null ? "" : artifactLocation);
            insert.setLong(3, now);
            insert.setLong(4, now);
            try {
                insert.executeUpdate();
            } catch (SQLException e) {
                if (Database.isDuplicateKey(e)) {
                    throw new ApiException(400, "RESOURCE_ALREADY_EXISTS", "Experiment '" + name + "' already exists.");
                }
                throw e;
            }
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    JsonObject experiment(String column, Object value) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time"
                        + " FROM mlflow_experiments WHERE " + (column.equals("name") ? "name" : "experiment_id") + " = ?")) {
            select.setObject(1, value);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment with " + column + "=" + value);
                }
                return experimentJson(rows);
            }
        }
    }

    private static JsonObject experimentJson(ResultSet rows) throws SQLException {
        return new JsonObject().put("experiment_id", Long.toString(rows.getLong(1))).put("name", rows.getString(2))
                .put("artifact_location", rows.getString(3)).put("lifecycle_stage", rows.getString(4))
                .put("creation_time", rows.getLong(5)).put("last_update_time", rows.getLong(6));
    }

    JsonObject searchExperiments(int maxResults, long after) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time"
                        + " FROM mlflow_experiments WHERE experiment_id > ? ORDER BY experiment_id LIMIT ?")) {
            select.setLong(1, after);
            select.setInt(2, maxResults + 1);
            JsonArray experiments = new JsonArray();
            JsonObject page = new JsonObject();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    if (experiments.size() == maxResults) {
                        page.put("next_page_token", experiments.getJsonObject(maxResults - 1).getString("experiment_id"));
                        break;
                    }
                    experiments.add(experimentJson(rows));
                }
            }
            return page.put("experiments", experiments);
        }
    }

    String createRun(long experimentId, String runName, long startTime, List<KeyValue> tags) throws SQLException {
        experiment("experiment_id", experimentId);
        String runId = UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_runs (run_id, experiment_id, run_name, status, start_time, lifecycle_stage)"
                    + " VALUES (?, ?, ?, 'RUNNING', ?, 'active')")) {
                insert.setString(1, runId);
                insert.setLong(2, experimentId);
                insert.setString(3, runName == null || runName.isEmpty() ? runId.substring(0, 8) : runName);
                insert.setLong(4, startTime);
                insert.executeUpdate();
                for (KeyValue tag : tags) {
                    setTag(connection, runId, tag);
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        return runId;
    }

    void updateRun(String runId, String status, Long endTime, String runName) throws SQLException {
        requireRun(runId);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE mlflow_runs SET status = COALESCE(?, status), end_time = COALESCE(?, end_time),"
                        + " run_name = COALESCE(?, run_name) WHERE run_id = ?")) {
            update.setString(1, status);
            update.setObject(2, endTime);
            update.setString(3, runName);
            update.setString(4, runId);
            update.executeUpdate();
        }
    }

    /** The run in MLflow's shape: info, and data with the latest value of each metric, params and tags. */
    JsonObject run(String runId) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            JsonObject info;
            String experimentName;
            try (PreparedStatement select = connection.prepareStatement("SELECT r.run_id, r.experiment_id, r.run_name, r.status, r.start_time, r.end_time,"
                    + " r.lifecycle_stage, e.artifact_location, e.name FROM mlflow_runs r JOIN mlflow_experiments e ON e.experiment_id = r.experiment_id WHERE r.run_id = ?")) {
                select.setString(1, runId);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Run '" + runId + "' not found");
                    }
                    info = new JsonObject().put("run_id", rows.getString(1)).put("run_uuid", rows.getString(1))
                            .put("experiment_id", Long.toString(rows.getLong(2))).put("run_name", rows.getString(3)).put("status", rows.getString(4))
                            .put("start_time", rows.getLong(5)).put("lifecycle_stage", rows.getString(7))
                            .put("artifact_uri", rows.getString(8).isEmpty() ? "" : rows.getString(8) + "/" + rows.getString(1) + "/artifacts");
                    long end = rows.getLong(6);
                    if (!rows.wasNull()) {
                        info.put("end_time", end);
                    }
                    experimentName = rows.getString(9);
                }
            }
            JsonArray metrics = new JsonArray();
            try (PreparedStatement select = connection.prepareStatement("SELECT metric_key, metric_value, special_value, timestamp_ms, step FROM metric_points p"
                    + " WHERE run_id = ? AND owner_name = ? AND id = (SELECT MAX(id) FROM metric_points q WHERE q.run_id = p.run_id AND q.metric_key = p.metric_key)"
                    + " ORDER BY metric_key")) {
                select.setString(1, runId);
                select.setString(2, experimentName);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        metrics.add(new JsonObject().put("key", rows.getString(1)).put("value", MetricPoint.readValue(rows, 2)).put("timestamp", rows.getLong(4))
                                .put("step", rows.getLong(5)));
                    }
                }
            }
            return new JsonObject().put("info", info).put("data", new JsonObject().put("metrics", metrics)
                    .put("params", keyValues(connection, "SELECT param_key, param_value FROM mlflow_params WHERE run_id = ? ORDER BY param_key", runId))
                    .put("tags", keyValues(connection, "SELECT tag_key, tag_value FROM mlflow_tags WHERE run_id = ? ORDER BY tag_key", runId)));
        }
    }

    JsonObject searchRuns(List<Long> experimentIds, int maxResults, String after) throws SQLException {
        if (experimentIds.isEmpty()) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "experiment_ids must name at least one experiment");
        }
        String in = String.join(",", java.util.Collections.nCopies(experimentIds.size(), "?"));
        JsonArray runs = new JsonArray();
        JsonObject page = new JsonObject();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT run_id FROM mlflow_runs WHERE experiment_id IN (" + in + ") AND run_id > ? ORDER BY run_id LIMIT ?")) {
            int i = 1;
            for (long id : experimentIds) {
                select.setLong(i++, id);
            }
            select.setString(i++, after);
            select.setInt(i, maxResults + 1);
            List<String> ids = new java.util.ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            for (int k = 0; k < ids.size() && k < maxResults; k++) {
                runs.add(run(ids.get(k)));
            }
            if (ids.size() > maxResults) {
                page.put("next_page_token", ids.get(maxResults - 1));
            }
        }
        return page.put("runs", runs);
    }

    /** Metrics, params and tags of one call, all or nothing. */
    void logBatch(String runId, List<Metric> metrics, List<KeyValue> params, List<KeyValue> tags) throws SQLException {
        String experimentName = requireRun(runId);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                for (KeyValue param : params) {
                    logParam(connection, runId, param);
                }
                for (KeyValue tag : tags) {
                    setTag(connection, runId, tag);
                }
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO metric_points (run_id, owner_kind, owner_name, metric_key, step, metric_value, special_value, timestamp_ms)"
                        + " VALUES (?, 'experiment', ?, ?, ?, ?, ?, ?)")) {
                    for (Metric metric : metrics) {
                        insert.setString(1, runId);
                        insert.setString(2, experimentName);
                        insert.setString(3, metric.key());
                        insert.setLong(4, metric.step());
                        MetricPoint.bindValue(insert, 5, metric.value());
                        insert.setLong(7, metric.timestamp());
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    JsonArray metricHistory(String runId, String key) throws SQLException {
        requireRun(runId);
        JsonArray metrics = new JsonArray();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT metric_value, special_value, timestamp_ms, step FROM metric_points"
                        + " WHERE run_id = ? AND metric_key = ? ORDER BY step, id")) {
            select.setString(1, runId);
            select.setString(2, key);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    metrics.add(new JsonObject().put("key", key).put("value", MetricPoint.readValue(rows, 1)).put("timestamp", rows.getLong(3)).put("step", rows.getLong(4)));
                }
            }
        }
        return metrics;
    }

    /** The run's experiment name; 404 when the run doesn't exist. */
    private String requireRun(String runId) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT e.name FROM mlflow_runs r JOIN mlflow_experiments e ON e.experiment_id = r.experiment_id WHERE r.run_id = ?")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Run '" + runId + "' not found");
                }
                return rows.getString(1);
            }
        }
    }

    /** MLflow params are immutable: logging the same value again is fine, another value is an error. */
    private static void logParam(Connection connection, String runId, KeyValue param) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT param_value FROM mlflow_params WHERE run_id = ? AND param_key = ?")) {
            select.setString(1, runId);
            select.setString(2, param.key());
            try (ResultSet rows = select.executeQuery()) {
                if (rows.next()) {
                    if (!rows.getString(1).equals(param.value())) {
                        throw new ApiException(400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed. Param with key='" + param.key()
                                + "' was already logged with value='" + rows.getString(1) + "' for run ID='" + runId + "'.");
                    }
                    return;
                }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_params (run_id, param_key, param_value) VALUES (?, ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, param.key());
            insert.setString(3, param.value());
            insert.executeUpdate();
        }
    }

    private static void setTag(Connection connection, String runId, KeyValue tag) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE mlflow_tags SET tag_value = ? WHERE run_id = ? AND tag_key = ?")) {
            update.setString(1, tag.value());
            update.setString(2, runId);
            update.setString(3, tag.key());
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_tags (run_id, tag_key, tag_value) VALUES (?, ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, tag.key());
            insert.setString(3, tag.value());
            insert.executeUpdate();
        }
    }

    private static JsonArray keyValues(Connection connection, String sql, String runId) throws SQLException {
        JsonArray items = new JsonArray();
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    items.add(new JsonObject().put("key", rows.getString(1)).put("value", rows.getString(2)));
                }
            }
        }
        return items;
    }
}
