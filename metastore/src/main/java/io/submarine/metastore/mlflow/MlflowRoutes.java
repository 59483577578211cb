package io.submarine.metastore.mlflow;

import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.api.Routes;
import io.submarine.metastore.auth.Access;
import io.submarine.metastore.auth.Tokens.Role;
import io.submarine.metastore.metrics.MetricPoint;
import io.submarine.metastore.mlflow.MlflowStore.KeyValue;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * A subset of MLflow's tracking REST API under {@code /api/2.0/mlflow/}, with its request and
 * response shapes, limits and error codes, so MLflow clients and training scripts work unchanged.
 *
 * <p>Roles as MLflow's auth app grants permissions, for every experiment at once: a reader may get
 * and search (READ); a reporter may also create experiments and runs and log to them (EDIT); only
 * an admin may delete and restore (MANAGE).
 */
public final class MlflowRoutes implements Routes {

    public static final String PREFIX = "/api/2.0/mlflow";
    static final int MAX_METRICS = 1000;
    static final int MAX_PARAMS = 100;
    static final int MAX_TAGS = 100;
    static final int MAX_ENTITIES = 1000;

    private final Vertx vertx;
    private final MlflowStore store;
    /** MLflow's READ, EDIT and MANAGE, as the roles have them; the logged models' and artifacts' routes take the same. */
    static final Handler<RoutingContext> READERS = Access.only(Role.READER, Role.REPORTER, Role.ADMIN);
    static final Handler<RoutingContext> WRITERS = Access.only(Role.REPORTER, Role.ADMIN);
    static final Handler<RoutingContext> MANAGERS = Access.only(Role.ADMIN);

    public MlflowRoutes(Vertx vertx, MlflowStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    @Override
    public void attach(Router router) {
        router.post(PREFIX + "/experiments/create").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            String name = text(body, "name", true, 500);
            if (name.isEmpty()) {
                throw invalid("experiment name must not be empty");
            }
            String artifactLocation = text(body, "artifact_location", false, 2000);
            List<KeyValue> tags = keyValues(body, "tags", MAX_TAGS, 5000);
            return new JsonObject().put("experiment_id", Long.toString(store.createExperiment(name, artifactLocation, tags)));
        }));
        router.get(PREFIX + "/experiments/get").handler(READERS).handler(ctx -> respond(ctx, () ->
                new JsonObject().put("experiment", store.experiment("experiment_id", id(query(ctx, "experiment_id"), "experiment_id")))));
        router.get(PREFIX + "/experiments/get-by-name").handler(READERS).handler(ctx -> respond(ctx, () ->
                new JsonObject().put("experiment", store.experiment("name", query(ctx, "experiment_name")))));
        router.post(PREFIX + "/experiments/search").handler(READERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            MlflowSearch search = MlflowSearch.parse(MlflowSearch.Target.EXPERIMENTS, text(body, "filter", false, 10_000), strings(body, "order_by"));
            return store.searchExperiments(search, text(body, "view_type", false, 20), maxResults(body), text(body, "page_token", false, 1000));
        }));
        router.post(PREFIX + "/experiments/delete").handler(MANAGERS).handler(ctx -> respond(ctx, () -> {
            store.setExperimentLifecycle(id(required(ApiBodies.objectOrEmpty(ctx), "experiment_id"), "experiment_id"), "deleted");
            return new JsonObject();
        }));
        router.post(PREFIX + "/experiments/restore").handler(MANAGERS).handler(ctx -> respond(ctx, () -> {
            store.setExperimentLifecycle(id(required(ApiBodies.objectOrEmpty(ctx), "experiment_id"), "experiment_id"), "active");
            return new JsonObject();
        }));
        router.post(PREFIX + "/experiments/set-experiment-tag").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            store.setExperimentTag(id(required(body, "experiment_id"), "experiment_id"), keyValue(body, 5000));
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/create").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            long experimentId = id(required(body, "experiment_id"), "experiment_id");
            long start = body.getValue("start_time") != null ? number(body.getValue("start_time"), "start_time") : System.currentTimeMillis();
            text(body, "user_id", false, 250); // typed as MLflow types it; the run's user is not kept
            String runId = store.createRun(experimentId, text(body, "run_name", false, 250), start, keyValues(body, "tags", MAX_TAGS, 8000));
            return new JsonObject().put("run", store.run(runId));
        }));
        router.post(PREFIX + "/runs/update").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            String runId = runId(body);
            String status = text(body, "status", false, 20);
            if (status != null && !List.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED").contains(status)) {
                throw invalid("status must be RUNNING, SCHEDULED, FINISHED, FAILED or KILLED");
            }
            Long end = body.getValue("end_time") != null ? number(body.getValue("end_time"), "end_time") : null;
            store.updateRun(runId, status, end, text(body, "run_name", false, 250));
            return new JsonObject().put("run_info", store.run(runId).getJsonObject("info"));
        }));
        router.get(PREFIX + "/runs/get").handler(READERS).handler(ctx -> respond(ctx, () -> new JsonObject().put("run", store.run(query(ctx, "run_id")))));
        router.post(PREFIX + "/runs/search").handler(READERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            Object ids = required(body, "experiment_ids");
            if (!(ids instanceof JsonArray array)) {
                throw invalid("experiment_ids must be a list");
            }
            List<Long> experimentIds = new ArrayList<>();
            for (Object id : array) {
                experimentIds.add(id(id, "experiment_ids"));
            }
            MlflowSearch search = MlflowSearch.parse(MlflowSearch.Target.RUNS, text(body, "filter", false, 10_000), strings(body, "order_by"));
            return store.searchRuns(experimentIds, search, text(body, "run_view_type", false, 20), maxResults(body), text(body, "page_token", false, 1000));
        }));
        router.post(PREFIX + "/runs/delete").handler(MANAGERS).handler(ctx -> respond(ctx, () -> {
            store.setRunLifecycle(runId(ApiBodies.objectOrEmpty(ctx)), "deleted");
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/restore").handler(MANAGERS).handler(ctx -> respond(ctx, () -> {
            store.setRunLifecycle(runId(ApiBodies.objectOrEmpty(ctx)), "active");
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/delete-tag").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            store.deleteTag(runId(body), key(body));
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/log-metric").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            store.logBatch(runId(body), List.of(metric(body)), List.of(), List.of());
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/log-parameter").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            store.logBatch(runId(body), List.of(), List.of(keyValue(body, 6000)), List.of());
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/set-tag").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            store.logBatch(runId(body), List.of(), List.of(), List.of(keyValue(body, 8000)));
            return new JsonObject();
        }));
        router.post(PREFIX + "/runs/log-batch").handler(WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            List<MetricPoint> metrics = list(body, "metrics", MAX_METRICS, MlflowRoutes::metric);
            List<KeyValue> params = keyValues(body, "params", MAX_PARAMS, 6000);
            List<KeyValue> tags = keyValues(body, "tags", MAX_TAGS, 8000);
            if (metrics.size() + params.size() + tags.size() > MAX_ENTITIES) {
                throw invalid("A batch logging request can contain at most " + MAX_ENTITIES + " metrics, params and tags in total");
            }
            store.logBatch(runId(body), metrics, params, tags);
            return new JsonObject();
        }));
        router.get(PREFIX + "/metrics/get-history").handler(READERS).handler(ctx -> respond(ctx, () -> {
            JsonArray history = store.metricHistory(query(ctx, "run_id"), query(ctx, "metric_key"));
            // An empty list is left out, as proto3 JSON (and MLflow's server) leaves it out.
            return history.isEmpty() ? new JsonObject() : new JsonObject().put("metrics", history);
        }));
    }

    private void respond(RoutingContext ctx, Callable<JsonObject> work) {
        vertx.executeBlocking(work, false).onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json").end(body.encode()))
                .onFailure(ctx::fail);
    }

    static ApiException invalid(String message) {
        return new ApiException(400, "INVALID_PARAMETER_VALUE", message);
    }

    private static String query(RoutingContext ctx, String name) {
        String value = ctx.request().getParam(name);
        if (value == null || value.isEmpty()) {
            throw invalid("Missing value for required parameter '" + name + "'");
        }
        return value;
    }

    static Object required(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            throw invalid("Missing value for required parameter '" + field + "'");
        }
        return value;
    }

    /** The run: run_id, or run_uuid (MLflow's older name, still sent by older clients); each must be a run id if given. */
    static String runId(JsonObject body) {
        String id = null;
        for (String field : List.of("run_uuid", "run_id")) {
            Object value = body.getValue(field);
            if (value == null) {
                continue;
            }
            if (!(value instanceof String text) || text.isEmpty()) {
                throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a run id");
            }
            id = ApiBodies.withoutNul(text, field);
        }
        if (id == null) {
            throw invalid("Missing value for required parameter 'run_id'");
        }
        return id;
    }

    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[0-9]{1,18}");
    private static final long MAX_ID = 999_999_999_999_999_999L;
    private static final java.util.regex.Pattern INT64_TEXT = java.util.regex.Pattern.compile("-?[0-9]{1,18}");

    /** An experiment's id: a string of digits in MLflow's protos; a number too, as MLflow's server takes one for older clients. */
    static long id(Object value, String field) {
        if (value instanceof String text && ID.matcher(text).matches()) {
            return Long.parseLong(text);
        }
        if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0 && ((Number) value).longValue() <= MAX_ID) {
            return ((Number) value).longValue();
        }
        throw invalid("Invalid value " + value + " for parameter '" + field + "': expected an experiment id (digits)");
    }

    /** An int64 field: proto3 JSON sends it as a number or as a string of digits, and takes both. */
    static long number(Object value, String field) {
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof String text && INT64_TEXT.matcher(text).matches()) {
            return Long.parseLong(text);
        }
        throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a whole number");
    }

    static String text(JsonObject body, String field, boolean requiredField, int max) {
        Object value = body.getValue(field);
        if (value == null) {
            if (requiredField) {
                throw invalid("Missing value for required parameter '" + field + "'");
            }
            return null;
        }
        if (!(value instanceof String text)) {
            throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a string");
        }
        if (text.length() > max) {
            throw invalid("'" + field + "' exceeds the maximum length of " + max);
        }
        return ApiBodies.withoutNul(text, field);
    }

    /** A list of strings, such as order_by; absent is empty. */
    private static List<String> strings(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
            throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a list of strings");
        }
        return array.stream().map(String.class::cast).toList();
    }

    private static int maxResults(JsonObject body) {
        return maxResults(body, 1000);
    }

    /** max_results, 1 to 50000, {@code otherwise} when left out. */
    static int maxResults(JsonObject body, int otherwise) {
        Object value = body.getValue("max_results") == null ? Integer.valueOf(otherwise) : body.getValue("max_results");
        if (!(value instanceof Integer max) || max < 1 || max > 50_000) {
            throw invalid("max_results must be a whole number between 1 and 50000");
        }
        return max;
    }

    /** A metric's, param's or tag's name: 1 to 250 characters. */
    static String key(JsonObject body) {
        String key = text(body, "key", true, 250);
        if (key.isEmpty()) {
            throw invalid("Missing value for required parameter 'key'");
        }
        return key;
    }

    static MetricPoint metric(JsonObject body) {
        String key = key(body);
        // Typed as MLflow 3 types them; a metric's logged model and dataset are not kept.
        for (String field : List.of("model_id", "dataset_name", "dataset_digest")) {
            text(body, field, false, 1000);
        }
        Object value = required(body, "value");
        double number;
        if (value instanceof Number n) {
            number = n.doubleValue();
        } else if (value instanceof String s && List.of("NaN", "Infinity", "-Infinity").contains(s)) {
            number = Double.parseDouble(s);
        } else {
            throw invalid("Invalid value " + value + " for parameter 'value': expected a number");
        }
        long timestamp = number(required(body, "timestamp"), "timestamp");
        long step = body.getValue("step") != null ? number(body.getValue("step"), "step") : 0;
        return new MetricPoint(key, step, number, timestamp);
    }

    static KeyValue keyValue(JsonObject body, int maxValue) {
        String key = key(body);
        String value = text(body, "value", true, maxValue);
        return new KeyValue(key, value);
    }

    static List<KeyValue> keyValues(JsonObject body, String field, int max, int maxValue) {
        return list(body, field, max, item -> keyValue(item, maxValue));
    }

    static <T> List<T> list(JsonObject body, String field, int max, Function<JsonObject, T> parse) {
        Object value = body.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw invalid("'" + field + "' must be a list");
        }
        if (array.size() > max) {
            throw invalid("A batch logging request can contain at most " + max + " " + field + ", got " + array.size());
        }
        List<T> items = new ArrayList<>();
        for (Object item : array) {
            if (!(item instanceof JsonObject object)) {
                throw invalid("each of '" + field + "' must be an object");
            }
            items.add(parse.apply(object));
        }
        return items;
    }
}
