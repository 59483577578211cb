package io.submarine.metastore.mlflow;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.db.Database;
import io.submarine.metastore.mlflow.MlflowStore.KeyValue;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MLflow 3's logged models in SQL, in MLflow's JSON shape ({@code {info, data}}): what
 * {@code log_model} creates, finalizes and tags, and what the client searches when it lists a
 * run's artifacts. A model's files are in the artifact tree, under
 * {@code <experiment location>/models/<model id>/artifacts}. Connection-scoped, so a pod's
 * {@code mlflow-calls} report applies them in its own transaction.
 */
final class LoggedModelStore {

    static final Set<String> STATUSES = Set.of("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED");

    private LoggedModelStore() {}

    /** A new model of an active experiment; its id is made by the caller (the pod's, or {@code m-} and 32 hex digits here). */
    static void insert(Connection connection, String modelId, long experimentId, String name, String modelType, String sourceRunId,
            List<KeyValue> params, List<KeyValue> tags, long now) throws SQLException {
        JsonObject experiment = MlflowStore.experiment(connection, "experiment_id", experimentId);
        if (!"active".equals(experiment.getString("lifecycle_stage"))) {
            throw MlflowRoutes.invalid("The experiment " + experimentId + " must be in the 'active' state; it is deleted");
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO mlflow_logged_models (model_id, experiment_id, name, model_type,"
                + " source_run_id, status, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', 'active', ?, ?)")) {
            insert.setString(1, modelId);
            insert.setLong(2, experimentId);
            insert.setString(3, name);
            insert.setString(4, modelType == null ? "" : modelType);
            insert.setString(5, sourceRunId == null ? "" : sourceRunId);
            insert.setLong(6, now);
            insert.setLong(7, now);
            insert.executeUpdate();
        }
        setTags(connection, modelId, tags, now);
        logParams(connection, modelId, params, now);
    }

    static boolean exists(Connection connection, String modelId) throws SQLException {
        try (PreparedStatement select = Database.prepare(connection, "SELECT 1 FROM mlflow_logged_models WHERE model_id = ?", List.of(modelId));
                ResultSet rows = select.executeQuery()) {
            return rows.next();
        }
    }

    /** The model, or 404 as MLflow's server says it; a deleted model is not found. */
    static JsonObject get(Connection connection, String modelId) throws SQLException {
        List<JsonObject> found = models(connection, "m.model_id = ? AND m.lifecycle_stage = 'active'", List.of(modelId));
        if (found.isEmpty()) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Logged model with ID '" + modelId + "' not found.");
        }
        return found.get(0);
    }

    static void finalizeStatus(Connection connection, String modelId, String status, long now) throws SQLException {
        if (!STATUSES.contains(status)) {
            throw MlflowRoutes.invalid("status must be one of " + new java.util.TreeSet<>(STATUSES) + ", not '" + status + "'");
        }
        get(connection, modelId);
        try (PreparedStatement update = Database.prepare(connection, "UPDATE mlflow_logged_models SET status = ?, last_update_time = ? WHERE model_id = ?",
                List.of(status, now, modelId))) {
            update.executeUpdate();
        }
    }

    static void setTags(Connection connection, String modelId, List<KeyValue> tags, long now) throws SQLException {
        get(connection, modelId);
        for (KeyValue tag : tags) {
            upsert(connection, "mlflow_logged_model_tags", "tag_key", "tag_value", modelId, tag);
        }
        touch(connection, modelId, now);
    }

    static void deleteTag(Connection connection, String modelId, String key, long now) throws SQLException {
        get(connection, modelId);
        try (PreparedStatement delete = Database.prepare(connection, "DELETE FROM mlflow_logged_model_tags WHERE model_id = ? AND tag_key = ?",
                List.of(modelId, key))) {
            delete.executeUpdate();
        }
        touch(connection, modelId, now);
    }

    static void logParams(Connection connection, String modelId, List<KeyValue> params, long now) throws SQLException {
        get(connection, modelId);
        for (KeyValue param : params) {
            upsert(connection, "mlflow_logged_model_params", "param_key", "param_value", modelId, param);
        }
        touch(connection, modelId, now);
    }

    static void delete(Connection connection, String modelId, long now) throws SQLException {
        get(connection, modelId);
        try (PreparedStatement update = Database.prepare(connection, "UPDATE mlflow_logged_models SET lifecycle_stage = 'deleted', last_update_time = ?"
                + " WHERE model_id = ?", List.of(now, modelId))) {
            update.executeUpdate();
        }
    }

    /** Records that {@code runId} output the models (runs/outputs); once each, however often it is said. */
    static void logOutputs(Connection connection, String runId, List<JsonObject> outputs) throws SQLException {
        if (!MlflowStore.runExists(connection, runId)) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Run with id=" + runId + " not found");
        }
        for (JsonObject output : outputs) {
            String modelId = output.getString("model_id");
            long step = output.getLong("step");
            try (PreparedStatement select = Database.prepare(connection, "SELECT 1 FROM mlflow_run_outputs WHERE run_id = ? AND model_id = ? AND step = ?",
                    List.of(runId, modelId, step)); ResultSet rows = select.executeQuery()) {
                if (rows.next()) {
                    continue;
                }
            }
            try (PreparedStatement insert = Database.prepare(connection, "INSERT INTO mlflow_run_outputs (run_id, model_id, step) VALUES (?, ?, ?)",
                    List.of(runId, modelId, step))) {
                insert.executeUpdate();
            }
        }
    }

    /** The active models of the experiments, for a search to filter, order and page. */
    static List<JsonObject> ofExperiments(Connection connection, List<Long> experimentIds) throws SQLException {
        return models(connection, "m.experiment_id IN (" + String.join(",", Collections.nCopies(experimentIds.size(), "?")) + ") AND m.lifecycle_stage = 'active'",
                experimentIds);
    }

    private static List<JsonObject> models(Connection connection, String where, List<?> parameters) throws SQLException {
        Map<String, JsonObject> byId = new LinkedHashMap<>();
        try (PreparedStatement select = Database.prepare(connection, "SELECT m.model_id, m.experiment_id, m.name, m.creation_time, m.last_update_time,"
                + " m.status, m.model_type, m.source_run_id, e.artifact_location FROM mlflow_logged_models m"
                + " JOIN mlflow_experiments e ON e.experiment_id = m.experiment_id WHERE " + where, parameters);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                String modelId = rows.getString(1);
                JsonObject info = new JsonObject().put("model_id", modelId).put("experiment_id", Long.toString(rows.getLong(2)))
                        .put("name", rows.getString(3)).put("creation_timestamp_ms", rows.getLong(4)).put("last_updated_timestamp_ms", rows.getLong(5))
                        .put("artifact_uri", MlflowStore.location(rows.getString(9), rows.getLong(2)) + "/models/" + modelId + "/artifacts")
                        .put("status", rows.getString(6));
                if (!rows.getString(7).isEmpty()) {
                    info.put("model_type", rows.getString(7));
                }
                if (!rows.getString(8).isEmpty()) {
                    info.put("source_run_id", rows.getString(8));
                }
                byId.put(modelId, new JsonObject().put("info", info).put("data", new JsonObject()));
            }
        }
        if (byId.isEmpty()) {
            return List.of();
        }
        String ids = "model_id IN (" + String.join(",", Collections.nCopies(byId.size(), "?")) + ")";
        List<Object> keys = new ArrayList<>(byId.keySet());
        keyValues(connection, "SELECT model_id, tag_key, tag_value FROM mlflow_logged_model_tags WHERE " + ids + " ORDER BY tag_key", keys,
                (id, item) -> array(byId.get(id).getJsonObject("info"), "tags").add(item));
        keyValues(connection, "SELECT model_id, param_key, param_value FROM mlflow_logged_model_params WHERE " + ids + " ORDER BY param_key", keys,
                (id, item) -> array(byId.get(id).getJsonObject("data"), "params").add(item));
        return new ArrayList<>(byId.values());
    }

    private interface Sink {
        void add(String modelId, JsonObject item);
    }

    private static void keyValues(Connection connection, String sql, List<Object> parameters, Sink sink) throws SQLException {
        try (PreparedStatement select = Database.prepare(connection, sql, parameters); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                sink.add(rows.getString(1), new JsonObject().put("key", rows.getString(2)).put("value", rows.getString(3)));
            }
        }
    }

    private static JsonArray array(JsonObject object, String field) {
        if (!object.containsKey(field)) {
            object.put(field, new JsonArray());
        }
        return object.getJsonArray(field);
    }

    private static void upsert(Connection connection, String table, String keyColumn, String valueColumn, String modelId, KeyValue item) throws SQLException {
        try (PreparedStatement update = Database.prepare(connection, "UPDATE " + table + " SET " + valueColumn + " = ? WHERE model_id = ? AND " + keyColumn
                + " = ?", List.of(item.value(), modelId, item.key()))) {
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement insert = Database.prepare(connection, "INSERT INTO " + table + " (model_id, " + keyColumn + ", " + valueColumn
                + ") VALUES (?, ?, ?)", List.of(modelId, item.key(), item.value()))) {
            insert.executeUpdate();
        }
    }

    private static void touch(Connection connection, String modelId, long now) throws SQLException {
        try (PreparedStatement update = Database.prepare(connection, "UPDATE mlflow_logged_models SET last_update_time = ? WHERE model_id = ?",
                List.of(now, modelId))) {
            update.executeUpdate();
        }
    }
}
