package io.submarine.metastore.mlflow;

import static io.submarine.metastore.mlflow.MlflowRoutes.id;
import static io.submarine.metastore.mlflow.MlflowRoutes.invalid;
import static io.submarine.metastore.mlflow.MlflowRoutes.keyValues;
import static io.submarine.metastore.mlflow.MlflowRoutes.required;
import static io.submarine.metastore.mlflow.MlflowRoutes.runId;
import static io.submarine.metastore.mlflow.MlflowRoutes.text;

import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.Routes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * MLflow 3's logged models under {@code /api/2.0/mlflow/logged-models}, and {@code runs/outputs}:
 * the calls {@code log_model} makes (create, get, finalize) and that the client makes when it
 * lists a run's artifacts (search), with MLflow's shapes and errors. Roles as for runs: readers
 * get and search, reporters create, finalize, tag and log params, admins delete.
 */
public final class LoggedModelRoutes implements Routes {

    private static final String PREFIX = MlflowRoutes.PREFIX + "/logged-models";
    static final int MAX_SEARCH_RESULTS = 50;

    private final Vertx vertx;
    private final MlflowStore store;

    public LoggedModelRoutes(Vertx vertx, MlflowStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    /** A new model's id, as MLflow makes it: {@code m-} and 32 hex digits. */
    static String newModelId() {
        return "m-" + UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public void attach(Router router) {
        router.post(PREFIX).handler(MlflowRoutes.WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            long experimentId = id(required(body, "experiment_id"), "experiment_id");
            String modelId = newModelId();
            String name = text(body, "name", false, 500);
            String sourceRunId = text(body, "source_run_id", false, 32);
            return store.inTransaction(connection -> {
                LoggedModelStore.insert(connection, modelId, experimentId, name == null || name.isEmpty() ? defaultName(modelId) : name,
                        text(body, "model_type", false, 500), sourceRunId, keyValues(body, "params", MlflowRoutes.MAX_PARAMS, 6000),
                        keyValues(body, "tags", MlflowRoutes.MAX_TAGS, 8000), System.currentTimeMillis());
                return new JsonObject().put("model", LoggedModelStore.get(connection, modelId));
            });
        }));
        // "search" is no model's id (theirs start with m-): another method on it is 405, not a model looked up.
        router.route(PREFIX + "/search").handler(ctx -> {
            if (ctx.request().method() == io.vertx.core.http.HttpMethod.POST) {
                ctx.next();
                return;
            }
            ctx.response().putHeader("Allow", "POST");
            ctx.fail(new io.submarine.metastore.api.ApiException(405, "METHOD_NOT_ALLOWED", PREFIX + "/search serves POST, not " + ctx.request().method()));
        });
        router.post(PREFIX + "/search").handler(MlflowRoutes.READERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            List<Long> experimentIds = experimentIds(required(body, "experiment_ids"));
            MlflowSearch search = MlflowSearch.parse(MlflowSearch.Target.LOGGED_MODELS, text(body, "filter", false, 10_000), orderBy(body));
            int maxResults = MlflowRoutes.maxResults(body, MAX_SEARCH_RESULTS);
            return store.inTransaction(connection -> search.page(LoggedModelStore.ofExperiments(connection, experimentIds).stream()
                    .map(MlflowSearch.Entity::ofLoggedModel).toList(), maxResults, text(body, "page_token", false, 1000), "models"));
        }));
        router.get(PREFIX + "/:model_id").handler(MlflowRoutes.READERS).handler(ctx -> respond(ctx, () ->
                store.inTransaction(connection -> new JsonObject().put("model", LoggedModelStore.get(connection, modelId(ctx))))));
        router.patch(PREFIX + "/:model_id").handler(MlflowRoutes.WRITERS).handler(ctx -> respond(ctx, () -> {
            String status = text(ApiBodies.objectOrEmpty(ctx), "status", true, 40);
            return store.inTransaction(connection -> {
                LoggedModelStore.finalizeStatus(connection, modelId(ctx), status, System.currentTimeMillis());
                return new JsonObject().put("model", LoggedModelStore.get(connection, modelId(ctx)));
            });
        }));
        router.delete(PREFIX + "/:model_id").handler(MlflowRoutes.MANAGERS).handler(ctx -> respond(ctx, () -> store.inTransaction(connection -> {
            LoggedModelStore.delete(connection, modelId(ctx), System.currentTimeMillis());
            return new JsonObject();
        })));
        router.patch(PREFIX + "/:model_id/tags").handler(MlflowRoutes.WRITERS).handler(ctx -> respond(ctx, () -> {
            var tags = keyValues(ApiBodies.objectOrEmpty(ctx), "tags", MlflowRoutes.MAX_TAGS, 8000);
            return store.inTransaction(connection -> {
                LoggedModelStore.setTags(connection, modelId(ctx), tags, System.currentTimeMillis());
                return new JsonObject();
            });
        }));
        router.delete(PREFIX + "/:model_id/tags/:tag_key").handler(MlflowRoutes.WRITERS).handler(ctx -> respond(ctx, () -> store.inTransaction(connection -> {
            LoggedModelStore.deleteTag(connection, modelId(ctx), ApiBodies.withoutNul(ctx.pathParam("tag_key"), "tag_key"), System.currentTimeMillis());
            return new JsonObject();
        })));
        router.post(PREFIX + "/:model_id/params").handler(MlflowRoutes.WRITERS).handler(ctx -> respond(ctx, () -> {
            var params = keyValues(ApiBodies.objectOrEmpty(ctx), "params", MlflowRoutes.MAX_PARAMS, 6000);
            return store.inTransaction(connection -> {
                LoggedModelStore.logParams(connection, modelId(ctx), params, System.currentTimeMillis());
                return new JsonObject();
            });
        }));
        router.post(MlflowRoutes.PREFIX + "/runs/outputs").handler(MlflowRoutes.WRITERS).handler(ctx -> respond(ctx, () -> {
            JsonObject body = ApiBodies.objectOrEmpty(ctx);
            String runId = runId(body);
            List<JsonObject> outputs = outputs(body);
            return store.inTransaction(connection -> {
                LoggedModelStore.logOutputs(connection, runId, outputs);
                return new JsonObject();
            });
        }));
    }

    /** A model made without a name gets one from its id, as the client shows it. */
    static String defaultName(String modelId) {
        return "model-" + modelId.substring(modelId.length() - 8);
    }

    private static String modelId(RoutingContext ctx) {
        return ApiBodies.withoutNul(ctx.pathParam("model_id"), "model_id");
    }

    static List<Long> experimentIds(Object value) {
        if (!(value instanceof JsonArray array) || array.isEmpty()) {
            throw invalid("experiment_ids must be a list of at least one experiment id");
        }
        List<Long> ids = new ArrayList<>();
        for (Object id : array) {
            ids.add(id(id, "experiment_ids"));
        }
        return ids;
    }

    /** The outputs of runs/outputs: {@code [{model_id, step}]}, each checked. */
    static List<JsonObject> outputs(JsonObject body) {
        List<JsonObject> outputs = MlflowRoutes.list(body, "models", MlflowRoutes.MAX_METRICS, model -> {
            String modelId = text(model, "model_id", true, 64);
            if (modelId.isEmpty()) {
                throw invalid("Missing value for required parameter 'models.model_id'");
            }
            return new JsonObject().put("model_id", modelId).put("step", MlflowRoutes.number(required(model, "step"), "step"));
        });
        if (outputs.isEmpty()) {
            throw invalid("Missing value for required parameter 'models'");
        }
        return outputs;
    }

    /** MLflow's order_by of logged models: {@code [{field_name, ascending}]}, as the search language's items. */
    private static List<String> orderBy(JsonObject body) {
        Object value = body.getValue("order_by");
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray items)) {
            throw invalid("order_by must be a list of {field_name, ascending}");
        }
        List<String> order = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof JsonObject field) || !(field.getValue("field_name") instanceof String name) || name.isEmpty()) {
                throw invalid("each order_by item is {field_name, ascending}");
            }
            boolean ascending = !Boolean.FALSE.equals(field.getValue("ascending"));
            order.add((name.contains(".") ? name : "attributes." + name) + (ascending ? " ASC" : " DESC"));
        }
        return order;
    }

    private void respond(RoutingContext ctx, Callable<JsonObject> work) {
        vertx.executeBlocking(work, false).onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json").end(body.encode()))
                .onFailure(ctx::fail);
    }
}
