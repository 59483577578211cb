package io.submarine.metastore.mlflow;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.db.Database;
import io.submarine.metastore.metrics.MetricPoint;
import io.submarine.metastore.metrics.MetricStore;
import io.submarine.mlflow.artifacts.ArtifactTree;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * MLflow's experiments, runs, params and tags in SQL, answering in MLflow's JSON shapes. Metrics
 * are metric points owned by the run's experiment. Blocking: call it off the event loop.
 */
public final class MlflowStore {

    /** A param or tag as MLflow sends it. */
    record KeyValue(String key, String value) {}

    private final DataSource dataSource;
    private final MetricStore metrics;

    public MlflowStore(DataSource dataSource, MetricStore metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /** Work on one connection, in one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    <T> T inTransaction(Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    long createExperiment(String name, String artifactLocation, List<KeyValue> tags) throws SQLException {
        try {
            return inTransaction(connection -> insertExperiment(connection, null, name, artifactLocation, tags));
        } catch (SQLException e) {
            if (Database.isDuplicateKey(e)) {
                // 400, as MLflow's server answers (MlflowParityTest holds every status to its own).
                throw new ApiException(400, "RESOURCE_ALREADY_EXISTS", "Experiment '" + name + "' already exists.");
            }
            throw e;
        }
    }

    /** Inserts an experiment with id {@code id}, or the next one the database gives when null. */
    static long insertExperiment(Connection connection, Long id, String name, String artifactLocation, List<KeyValue> tags) throws SQLException {
        long now = System.currentTimeMillis();
        String sql = id == null
                ? "INSERT INTO mlflow_experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?)"
                : "INSERT INTO mlflow_experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, experiment_id)"
                        + " VALUES (?, ?, 'active', ?, ?, ?)";
        try (PreparedStatement insert = connection.prepareStatement(sql, new String[] {"experiment_id"})) {
            insert.setString(1, name);
            insert.setString(2, artifactLocation == null ? "" : artifactLocation);
            insert.setLong(3, now);
            insert.setLong(4, now);
            if (id != null) {
                insert.setLong(5, id);
            }
            insert.executeUpdate();
            long inserted = id != null ? id : generatedId(insert);
            for (KeyValue tag : tags) {
                upsert(connection, "mlflow_experiment_tags", "experiment_id", inserted, "tag_key", "tag_value", tag);
            }
            return inserted;
        }
    }

    private static long generatedId(PreparedStatement insert) throws SQLException {
        try (ResultSet keys = insert.getGeneratedKeys()) {
            keys.next();
            return keys.getLong(1);
        }
    }

    JsonObject experiment(String column, Object value) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return experiment(connection, column, value);
        }
    }

    static JsonObject experiment(Connection connection, String column, Object value) throws SQLException {
        List<JsonObject> found = experiments(connection, (column.equals("name") ? "name" : "experiment_id") + " = ?", List.of(value));
        if (found.isEmpty()) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment with " + column + "=" + value);
        }
        return found.get(0);
    }

    /** An experiment's artifact location: the one it was made with, else where MLflow's server with --serve-artifacts puts it. */
    static String location(String stored, long experimentId) {
        return stored.isEmpty() ? ArtifactTree.experimentLocation(Long.toString(experimentId)) : stored;
    }

    /** Experiments in MLflow's shape, tags included, where {@code where} (over mlflow_experiments) holds. */
    private static List<JsonObject> experiments(Connection connection, String where, List<?> parameters) throws SQLException {
        Map<Long, JsonObject> byId = new LinkedHashMap<>();
        try (PreparedStatement select = Database.prepare(connection, "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time"
                + " FROM mlflow_experiments WHERE " + where, parameters);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                byId.put(rows.getLong(1), new JsonObject().put("experiment_id", Long.toString(rows.getLong(1))).put("name", rows.getString(2))
                        .put("artifact_location", location(rows.getString(3), rows.getLong(1))).put("lifecycle_stage", rows.getString(4))
                        .put("creation_time", rows.getLong(5)).put("last_update_time", rows.getLong(6)).put("tags", new JsonArray()));
            }
        }
        try (PreparedStatement select = Database.prepare(connection, "SELECT t.experiment_id, t.tag_key, t.tag_value FROM mlflow_experiment_tags t"
                + " WHERE t.experiment_id IN (SELECT experiment_id FROM mlflow_experiments WHERE " + where + ") ORDER BY t.tag_key", parameters);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                JsonObject experiment = byId.get(rows.getLong(1));
                if (experiment != null) {
                    experiment.getJsonArray("tags").add(new JsonObject().put("key", rows.getString(2)).put("value", rows.getString(3)));
                }
            }
        }
        return new ArrayList<>(byId.values());
    }

    JsonObject searchExperiments(MlflowSearch search, String viewType, int maxResults, String pageToken) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            List<MlflowSearch.Entity> all = experiments(connection, lifecycleWhere("lifecycle_stage", viewType), List.of()).stream()
                    .map(MlflowSearch.Entity::ofExperiment).toList();
            return search.page(all, maxResults, pageToken, "experiments");
        }
    }

    /** Marks the experiment and its runs deleted (or active again), as MLflow does. */
    void setExperimentLifecycle(long experimentId, String stage) throws SQLException {
        experiment("experiment_id", experimentId);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement experiment = connection.prepareStatement("UPDATE mlflow_experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?");
                    PreparedStatement runs = connection.prepareStatement("UPDATE mlflow_runs SET lifecycle_stage = ? WHERE experiment_id = ?")) {
                experiment.setString(1, stage);
                experiment.setLong(2, System.currentTimeMillis());
                experiment.setLong(3, experimentId);
                experiment.executeUpdate();
                runs.setString(1, stage);
                runs.setLong(2, experimentId);
                runs.executeUpdate();
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    void setExperimentTag(long experimentId, KeyValue tag) throws SQLException {
        inTransaction(connection -> {
            setExperimentTag(connection, experimentId, tag);
            return null;
        });
    }

    static void setExperimentTag(Connection connection, long experimentId, KeyValue tag) throws SQLException {
        requireActive(experiment(connection, "experiment_id", experimentId), "experiment " + experimentId);
        upsert(connection, "mlflow_experiment_tags", "experiment_id", experimentId, "tag_key", "tag_value", tag);
    }

    String createRun(long experimentId, String runName, long startTime, List<KeyValue> tags) throws SQLException {
        String runId = UUID.randomUUID().toString().replace("-", "");
        inTransaction(connection -> {
            insertRun(connection, runId, experimentId, runName, startTime, tags);
            return null;
        });
        return runId;
    }

    /** A run of an active experiment; its name, when none is given, is the start of its id. */
    static void insertRun(Connection connection, String runId, long experimentId, String runName, long startTime, List<KeyValue> tags) throws SQLException {
        requireActive(experiment(connection, "experiment_id", experimentId), "experiment " + experimentId);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_runs (run_id, experiment_id, run_name, status, start_time, lifecycle_stage)"
                + " VALUES (?, ?, ?, 'RUNNING', ?, 'active')")) {
            insert.setString(1, runId);
            insert.setLong(2, experimentId);
            insert.setString(3, runName == null || runName.isEmpty() ? runId.substring(0, 8) : runName);
            insert.setLong(4, startTime);
            insert.executeUpdate();
        }
        for (KeyValue tag : tags) {
            setTag(connection, runId, tag);
        }
    }

    void updateRun(String runId, String status, Long endTime, String runName) throws SQLException {
        inTransaction(connection -> {
            updateRun(connection, runId, status, endTime, runName);
            return null;
        });
    }

    static void updateRun(Connection connection, String runId, String status, Long endTime, String runName) throws SQLException {
        requireActiveRun(connection, runId);
        try (PreparedStatement update = connection.prepareStatement("UPDATE mlflow_runs SET status = COALESCE(?, status), end_time = COALESCE(?, end_time),"
                + " run_name = COALESCE(?, run_name) WHERE run_id = ?")) {
            update.setString(1, status);
            update.setObject(2, endTime);
            update.setString(3, runName);
            update.setString(4, runId);
            update.executeUpdate();
        }
    }

    /** The run in MLflow's shape: info, and data with the latest value of each metric, params and tags. */
    public JsonObject run(String runId) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            List<JsonObject> found = runs(connection, "r.run_id = ?", List.of(runId));
            if (found.isEmpty()) {
                throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Run '" + runId + "' not found");
            }
            return found.get(0);
        }
    }

    JsonObject searchRuns(List<Long> experimentIds, MlflowSearch search, String viewType, int maxResults, String pageToken) throws SQLException {
        if (experimentIds.isEmpty()) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "experiment_ids must name at least one experiment");
        }
        String where = "r.experiment_id IN (" + String.join(",", Collections.nCopies(experimentIds.size(), "?")) + ") AND "
                + lifecycleWhere("r.lifecycle_stage", viewType);
        try (Connection connection = dataSource.getConnection()) {
            List<MlflowSearch.Entity> all = runs(connection, where, experimentIds).stream().map(MlflowSearch.Entity::ofRun).toList();
            return search.page(all, maxResults, pageToken, "runs");
        }
    }

    /**
     * Runs in MLflow's shape where {@code where} (over mlflow_runs r) holds: four queries whatever
     * the number of runs (runs, params, tags, latest metrics), not four per run.
     */
    private static List<JsonObject> runs(Connection connection, String where, List<?> parameters) throws SQLException {
        // The four queries read one snapshot: the later ones select runs by the same condition, and
        // a run created or restored between them would be there and not in the first (a 500, found
        // by the contract run). The pool resets the connection's isolation when it is returned.
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection.setAutoCommit(false);
        try {
            List<JsonObject> runs = runsOfOneSnapshot(connection, where, parameters);
            connection.commit();
            return runs;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }

    private static List<JsonObject> runsOfOneSnapshot(Connection connection, String where, List<?> parameters) throws SQLException {
        Map<String, JsonObject> byId = new LinkedHashMap<>();
        try (PreparedStatement select = Database.prepare(connection, "SELECT r.run_id, r.experiment_id, r.run_name, r.status, r.start_time, r.end_time,"
                + " r.lifecycle_stage, e.artifact_location FROM mlflow_runs r JOIN mlflow_experiments e ON e.experiment_id = r.experiment_id WHERE " + where, parameters);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                String runId = rows.getString(1);
                JsonObject info = new JsonObject().put("run_id", runId).put("run_uuid", runId)
                        .put("experiment_id", Long.toString(rows.getLong(2))).put("run_name", rows.getString(3)).put("status", rows.getString(4))
                        .put("start_time", rows.getLong(5)).put("lifecycle_stage", rows.getString(7))
                        .put("artifact_uri", location(rows.getString(8), rows.getLong(2)) + "/" + runId + "/artifacts");
                long end = rows.getLong(6);
                if (!rows.wasNull()) {
                    info.put("end_time", end);
                }
                byId.put(runId, new JsonObject().put("info", info)
                        .put("data", new JsonObject().put("metrics", new JsonArray()).put("params", new JsonArray()).put("tags", new JsonArray())));
            }
        }
        if (byId.isEmpty()) {
            return List.of();
        }
        String ofRuns = " IN (SELECT r.run_id FROM mlflow_runs r WHERE " + where + ")";
        addKeyValues(connection, byId, "params", "SELECT run_id, param_key, param_value FROM mlflow_params WHERE run_id" + ofRuns + " ORDER BY param_key", parameters);
        addKeyValues(connection, byId, "tags", "SELECT run_id, tag_key, tag_value FROM mlflow_tags WHERE run_id" + ofRuns + " ORDER BY tag_key", parameters);
        MetricStore.latest(connection, "SELECT r.run_id FROM mlflow_runs r WHERE " + where, parameters,
                (runId, metric) -> byId.get(runId).getJsonObject("data").getJsonArray("metrics").add(metric));
        // The logged models each run output (runs/outputs), as MLflow 3 shows them.
        try (PreparedStatement select = Database.prepare(connection, "SELECT run_id, model_id, step FROM mlflow_run_outputs WHERE run_id" + ofRuns
                + " ORDER BY model_id, step", parameters); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                JsonObject run = byId.get(rows.getString(1));
                if (!run.containsKey("outputs")) {
                    run.put("outputs", new JsonObject().put("model_outputs", new JsonArray()));
                }
                run.getJsonObject("outputs").getJsonArray("model_outputs").add(new JsonObject().put("model_id", rows.getString(2)).put("step", rows.getLong(3)));
            }
        }
        return new ArrayList<>(byId.values());
    }

    private static void addKeyValues(Connection connection, Map<String, JsonObject> runs, String field, String sql, List<?> parameters) throws SQLException {
        try (PreparedStatement select = Database.prepare(connection, sql, parameters); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                runs.get(rows.getString(1)).getJsonObject("data").getJsonArray(field).add(new JsonObject().put("key", rows.getString(2)).put("value", rows.getString(3)));
            }
        }
    }

    void setRunLifecycle(String runId, String stage) throws SQLException {
        requireRun(runId);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE mlflow_runs SET lifecycle_stage = ? WHERE run_id = ?")) {
            update.setString(1, stage);
            update.setString(2, runId);
            update.executeUpdate();
        }
    }

    void deleteTag(String runId, String key) throws SQLException {
        inTransaction(connection -> {
            deleteTag(connection, runId, key);
            return null;
        });
    }

    static void deleteTag(Connection connection, String runId, String key) throws SQLException {
        requireActiveRun(connection, runId);
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM mlflow_tags WHERE run_id = ? AND tag_key = ?")) {
            delete.setString(1, runId);
            delete.setString(2, key);
            if (delete.executeUpdate() == 0) {
                throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "No tag with name: " + key + " in run with id " + runId);
            }
        }
    }

    /** Metrics, params and tags of one call, all or nothing. */
    void logBatch(String runId, List<MetricPoint> points, List<KeyValue> params, List<KeyValue> tags) throws SQLException {
        inTransaction(connection -> {
            logBatch(connection, runId, points, params, tags);
            return null;
        });
    }

    /** Metrics, params and tags of one call, on {@code connection}; the series of new metric keys are made on a connection of their own. */
    void logBatch(Connection connection, String runId, List<MetricPoint> points, List<KeyValue> params, List<KeyValue> tags) throws SQLException {
        String experimentName = requireActiveRun(connection, runId);
        Map<String, Long> series = points.isEmpty() ? Map.of()
                : metrics.seriesIds("experiment", experimentName, runId, points.stream().map(MetricPoint::key).collect(Collectors.toSet()));
        for (KeyValue param : params) {
            logParam(connection, runId, param);
        }
        for (KeyValue tag : tags) {
            setTag(connection, runId, tag);
        }
        MetricStore.insert(connection, series, null, MetricStore.notYetLogged(connection, series, points));
    }

    /** A run's history of {@code key}; none for a run that does not exist, as MLflow's server answers. */
    JsonArray metricHistory(String runId, String key) throws SQLException {
        return metrics.runHistory(runId, key);
    }

    /** The run's experiment name; 404 when the run doesn't exist. */
    private String requireRun(String runId) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return runState(connection, runId)[0];
        }
    }

    /** The run's experiment name; 404 when the run doesn't exist, 400 (as MLflow's server says) when it is deleted. */
    private static String requireActiveRun(Connection connection, String runId) throws SQLException {
        String[] state = runState(connection, runId);
        if (!state[1].equals("active")) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "The run " + runId + " must be in the 'active' state. Current state is " + state[1] + ".");
        }
        return state[0];
    }

    /** Whether a run of this id exists, in any state. */
    static boolean runExists(Connection connection, String runId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM mlflow_runs WHERE run_id = ?")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static String[] runState(Connection connection, String runId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT e.name, r.lifecycle_stage FROM mlflow_runs r"
                + " JOIN mlflow_experiments e ON e.experiment_id = r.experiment_id WHERE r.run_id = ?")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Run '" + runId + "' not found");
                }
                return new String[] {rows.getString(1), rows.getString(2)};
            }
        }
    }

    private static void requireActive(JsonObject experiment, String what) {
        if (!experiment.getString("lifecycle_stage").equals("active")) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "The " + what + " must be in the 'active' state. Current state is "
                    + experiment.getString("lifecycle_stage") + ".");
        }
    }

    /** MLflow's view types: ACTIVE_ONLY (the default), DELETED_ONLY, ALL. */
    private static String lifecycleWhere(String column, String viewType) {
        return switch (viewType == null ? "ACTIVE_ONLY" : viewType) {
            case "ACTIVE_ONLY" -> column + " = 'active'";
            case "DELETED_ONLY" -> column + " = 'deleted'";
            case "ALL" -> "1 = 1";
            default -> throw new ApiException(400, "INVALID_PARAMETER_VALUE", "view type must be ACTIVE_ONLY, DELETED_ONLY or ALL, not '" + viewType + "'");
        };
    }

    /**
     * MLflow params are immutable: logging the same value again is fine, another value is an error.
     * A concurrent first logging of the same key is caught by the primary key, then checked alike.
     */
    private static void logParam(Connection connection, String runId, KeyValue param) throws SQLException {
        if (checkParam(connection, runId, param)) {
            return;
        }
        Savepoint beforeInsert = connection.setSavepoint();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_params (run_id, param_key, param_value) VALUES (?, ?, ?)")) {
            insert.setString(1, runId);
            insert.setString(2, param.key());
            insert.setString(3, param.value());
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!Database.isDuplicateKey(e)) {
                throw e;
            }
            connection.rollback(beforeInsert);
            checkParam(connection, runId, param);
        }
    }

    /** Whether the param is logged already, with this value; an error when with another. */
    private static boolean checkParam(Connection connection, String runId, KeyValue param) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT param_value FROM mlflow_params WHERE run_id = ? AND param_key = ?")) {
            select.setString(1, runId);
            select.setString(2, param.key());
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return false;
                }
                if (!rows.getString(1).equals(param.value())) {
                    throw new ApiException(400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed. Param with key='" + param.key()
                            + "' was already logged with value='" + rows.getString(1) + "' for run ID='" + runId + "'.");
                }
                return true;
            }
        }
    }

    private static void setTag(Connection connection, String runId, KeyValue tag) throws SQLException {
        upsert(connection, "mlflow_tags", "run_id", runId, "tag_key", "tag_value", tag);
    }

    /**
     * Sets a tag of a run or experiment: update, or insert when there was none; when a concurrent
     * request inserted it first, update after all.
     */
    private static void upsert(Connection connection, String table, String ownerColumn, Object owner, String keyColumn, String valueColumn, KeyValue tag)
            throws SQLException {
        if (updateTag(connection, table, ownerColumn, owner, keyColumn, valueColumn, tag)) {
            return;
        }
        Savepoint beforeInsert = connection.getAutoCommit() ? null : connection.setSavepoint();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (" + ownerColumn + ", " + keyColumn + ", " + valueColumn + ") VALUES (?, ?, ?)")) {
            insert.setObject(1, owner);
            insert.setString(2, tag.key());
            insert.setString(3, tag.value());
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!Database.isDuplicateKey(e)) {
                throw e;
            }
            if (beforeInsert != null) {
                connection.rollback(beforeInsert);
            }
            updateTag(connection, table, ownerColumn, owner, keyColumn, valueColumn, tag);
        }
    }

    private static boolean updateTag(Connection connection, String table, String ownerColumn, Object owner, String keyColumn, String valueColumn, KeyValue tag)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + table + " SET " + valueColumn + " = ? WHERE " + ownerColumn + " = ? AND " + keyColumn + " = ?")) {
            update.setString(1, tag.value());
            update.setObject(2, owner);
            update.setString(3, tag.key());
            return update.executeUpdate() > 0;
        }
    }
}
