package io.submarine.metastore.mlflow;

import static io.submarine.metastore.mlflow.MlflowRoutes.id;
import static io.submarine.metastore.mlflow.MlflowRoutes.invalid;
import static io.submarine.metastore.mlflow.MlflowRoutes.keyValue;
import static io.submarine.metastore.mlflow.MlflowRoutes.keyValues;
import static io.submarine.metastore.mlflow.MlflowRoutes.number;
import static io.submarine.metastore.mlflow.MlflowRoutes.required;
import static io.submarine.metastore.mlflow.MlflowRoutes.runId;
import static io.submarine.metastore.mlflow.MlflowRoutes.text;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.metrics.MetricPoint;
import io.submarine.metastore.mlflow.MlflowStore.KeyValue;
import io.submarine.metastore.reports.CarriedWrites;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;
import java.util.Set;

/**
 * The {@code mlflow-calls} report: MLflow calls that a pod's tracking endpoint accepted and
 * journaled, replayed here in the pod's order with the run and experiment ids the pod made, in
 * the report's own transaction, so that a report sent again applies nothing again.
 *
 * <p>An experiment the pod created under a name that is already here is that experiment (another
 * pod, or this metastore, made it first): each call names the experiment by id and by name. A
 * call this store refuses (a param another writer logged with another value, a run deleted since)
 * does not hold back the rest: it stays in the report's payload, under {@code refused}, with why.
 */
public final class MlflowCalls implements CarriedWrites {

    public static final String KIND = "mlflow-calls";
    private static final int MAX_CALLS = 10_000;
    private static final Set<String> CALLS = Set.of("experiments/create", "experiments/set-experiment-tag", "runs/create", "runs/update", "runs/log-batch",
            "runs/log-metric", "runs/log-parameter", "runs/set-tag", "runs/delete-tag", "runs/outputs", "logged-models/create", "logged-models/finalize",
            "logged-models/set-tags", "logged-models/delete-tag", "logged-models/log-params");

    private static final java.util.regex.Pattern RUN_ID = java.util.regex.Pattern.compile("[0-9a-f]{32}");
    private static final java.util.regex.Pattern MODEL_ID = java.util.regex.Pattern.compile("m-[0-9a-f]{32}");

    private final MlflowStore store;

    public MlflowCalls(MlflowStore store) {
        this.store = store;
    }

    @Override
    public void check(JsonObject payload) {
        if (!(payload.getValue("calls") instanceof JsonArray calls) || calls.isEmpty() || calls.size() > MAX_CALLS) {
            throw invalid("an mlflow-calls payload has 'calls': a list of 1 to " + MAX_CALLS + " calls");
        }
        for (Object item : calls) {
            if (!(item instanceof JsonObject call) || !(call.getValue("call") instanceof String name) || !CALLS.contains(name)
                    || !(call.getValue("body") instanceof JsonObject)) {
                throw invalid("each call is {\"call\": one of " + String.join(", ", new java.util.TreeSet<>(CALLS)) + ", \"body\": {...}}");
            }
        }
    }

    @Override
    public JsonObject apply(Connection connection, JsonObject payload) throws SQLException {
        JsonArray calls = payload.getJsonArray("calls");
        JsonArray refused = new JsonArray();
        for (int i = 0; i < calls.size(); i++) {
            JsonObject call = calls.getJsonObject(i);
            Savepoint before = connection.setSavepoint();
            try {
                apply(connection, call.getString("call"), call.getJsonObject("body"));
            } catch (ApiException e) {
                connection.rollback(before);
                refused.add(new JsonObject().put("index", i).put("call", call.getString("call")).put("error_code", e.code()).put("message", e.getMessage()));
            }
        }
        // The calls themselves are in the tables now; the report keeps their count, not a second copy.
        JsonObject kept = payload.copy().put("calls", calls.size());
        return refused.isEmpty() ? kept : kept.put("refused", refused);
    }

    private void apply(Connection connection, String call, JsonObject body) throws SQLException {
        switch (call) {
            case "experiments/create" -> {
                String name = text(body, "name", true, 500);
                long id = id(required(body, "experiment_id"), "experiment_id");
                if (!exists(connection, "name", name)) {
                    if (exists(connection, "experiment_id", id)) {
                        throw new ApiException(400, "RESOURCE_ALREADY_EXISTS", "experiment id " + id + " is another experiment's here; '" + name + "' not created");
                    }
                    MlflowStore.insertExperiment(connection, id, name, text(body, "artifact_location", false, 2000),
                            keyValues(body, "tags", MlflowRoutes.MAX_TAGS, 5000));
                }
            }
            case "experiments/set-experiment-tag" -> MlflowStore.setExperimentTag(connection, experimentId(connection, body), keyValue(body, 5000));
            case "runs/create" -> {
                String runId = runId(body);
                if (!RUN_ID.matcher(runId).matches()) {
                    throw invalid("a run id the pod made is 32 hexadecimal digits, not '" + runId + "'");
                }
                if (!MlflowStore.runExists(connection, runId)) {
                    MlflowStore.insertRun(connection, runId, experimentId(connection, body), text(body, "run_name", false, 250),
                            number(required(body, "start_time"), "start_time"), keyValues(body, "tags", MlflowRoutes.MAX_TAGS, 8000));
                }
            }
            case "runs/update" -> MlflowStore.updateRun(connection, runId(body), text(body, "status", false, 20),
                    body.getValue("end_time") == null ? null : number(body.getValue("end_time"), "end_time"), text(body, "run_name", false, 250));
            case "runs/log-batch" -> store.logBatch(connection, runId(body), MlflowRoutes.list(body, "metrics", MlflowRoutes.MAX_METRICS, MlflowRoutes::metric),
                    keyValues(body, "params", MlflowRoutes.MAX_PARAMS, 6000), keyValues(body, "tags", MlflowRoutes.MAX_TAGS, 8000));
            case "runs/log-metric" -> store.logBatch(connection, runId(body), List.of(MlflowRoutes.metric(body)), List.of(), List.of());
            case "runs/log-parameter" -> store.logBatch(connection, runId(body), List.<MetricPoint>of(), List.of(keyValue(body, 6000)), List.of());
            case "runs/set-tag" -> store.logBatch(connection, runId(body), List.<MetricPoint>of(), List.<KeyValue>of(), List.of(keyValue(body, 8000)));
            case "runs/delete-tag" -> MlflowStore.deleteTag(connection, runId(body), MlflowRoutes.key(body));
            case "runs/outputs" -> LoggedModelStore.logOutputs(connection, runId(body), LoggedModelRoutes.outputs(body));
            case "logged-models/create" -> {
                String modelId = modelId(body);
                if (!LoggedModelStore.exists(connection, modelId)) {
                    LoggedModelStore.insert(connection, modelId, experimentId(connection, body), text(body, "name", true, 500), text(body, "model_type", false, 500),
                            text(body, "source_run_id", false, 32), keyValues(body, "params", MlflowRoutes.MAX_PARAMS, 6000),
                            keyValues(body, "tags", MlflowRoutes.MAX_TAGS, 8000), time(body));
                }
            }
            case "logged-models/finalize" -> LoggedModelStore.finalizeStatus(connection, modelId(body), text(body, "status", true, 40), time(body));
            case "logged-models/set-tags" -> LoggedModelStore.setTags(connection, modelId(body), keyValues(body, "tags", MlflowRoutes.MAX_TAGS, 8000), time(body));
            case "logged-models/delete-tag" -> LoggedModelStore.deleteTag(connection, modelId(body), MlflowRoutes.key(body), time(body));
            case "logged-models/log-params" -> LoggedModelStore.logParams(connection, modelId(body), keyValues(body, "params", MlflowRoutes.MAX_PARAMS, 6000),
                    time(body));
            default -> throw invalid("no call " + call);
        }
    }

    /** A logged model's id as the pod made it: {@code m-} and 32 hex digits. */
    private static String modelId(JsonObject body) {
        String modelId = text(body, "model_id", true, 64);
        if (!MODEL_ID.matcher(modelId).matches()) {
            throw invalid("a logged model id the pod made is m- and 32 hexadecimal digits, not '" + modelId + "'");
        }
        return modelId;
    }

    /** When the pod took the call, in epoch milliseconds. */
    private static long time(JsonObject body) {
        return number(required(body, "time"), "time");
    }

    /** The experiment by its id here, else by its name (another made it first under another id). */
    private static long experimentId(Connection connection, JsonObject body) throws SQLException {
        long id = id(required(body, "experiment_id"), "experiment_id");
        if (exists(connection, "experiment_id", id)) {
            return id;
        }
        String name = text(body, "experiment_name", false, 500);
        if (name != null && exists(connection, "name", name)) {
            return Long.parseLong(MlflowStore.experiment(connection, "name", name).getString("experiment_id"));
        }
        throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment with experiment_id=" + id + (name == null ? "" : " or name=" + name));
    }

    private static boolean exists(Connection connection, String column, Object value) throws SQLException {
        try {
            MlflowStore.experiment(connection, column, value);
            return true;
        } catch (ApiException e) {
            return false;
        }
    }
}
