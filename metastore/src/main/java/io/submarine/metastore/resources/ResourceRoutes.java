package io.submarine.metastore.resources;

import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.api.Routes;
import io.submarine.metastore.auth.Access;
import io.submarine.metastore.auth.Tokens.Role;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * CRUD for the resources users manage, with ETags: a read returns {@code ETag: "<version>"}; an
 * update must send it back as {@code If-Match} (428 without, 412 when stale); a delete may.
 * Reading needs the reader or admin role; writing needs admin.
 */
public final class ResourceRoutes implements Routes {

    static final Set<String> KINDS = Set.of("experiments", "experiment-templates", "notebooks", "servings", "environments",
            "registered-models", "model-versions");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final String BASE = "/api/v1/resources/:kind";

    private final Vertx vertx;
    private final ResourceStore store;
    private final Handler<RoutingContext> readers = Access.only(Role.READER, Role.ADMIN);
    private final Handler<RoutingContext> writers = Access.only(Role.ADMIN);

    public ResourceRoutes(Vertx vertx, ResourceStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    @Override
    public void attach(Router router) {
        router.post(BASE).handler(allowed(false)).handler(ctx -> {
            String kind = kind(ctx);
            JsonObject body = ApiBodies.object(ctx);
            for (String field : body.fieldNames()) {
                if (!Set.of("name", "spec").contains(field)) {
                    throw new ApiException(400, "INVALID_PARAMETER_VALUE", "unknown field '" + field + "'; known: name, spec");
                }
            }
            String name = name(body.getValue("name"));
            JsonObject spec = spec(kind, body.getValue("spec"));
            respond(ctx, 201, () -> {
                checkReferences(kind, spec);
                return store.create(kind, name, spec);
            });
        });
        router.get(BASE).handler(allowed(true)).handler(ctx -> {
            String kind = kind(ctx);
            Map<String, java.util.List<String>> parameters = new java.util.LinkedHashMap<>();
            ctx.queryParams().names().forEach(name -> parameters.put(name, ctx.queryParams().getAll(name)));
            ResourceQuery query = ResourceQuery.parse(parameters);
            respond(ctx, 200, () -> store.list(kind, query));
        });
        router.get(BASE + "/:name").handler(allowed(true)).handler(ctx -> {
            String kind = kind(ctx);
            respond(ctx, 200, () -> store.get(kind, ctx.pathParam("name")));
        });
        router.put(BASE + "/:name").handler(allowed(false)).handler(ctx -> {
            String kind = kind(ctx);
            Long expected = ifMatch(ctx);
            if (expected == null) {
                throw new ApiException(428, "PRECONDITION_REQUIRED", "send If-Match with the ETag you read, so a concurrent change is not overwritten");
            }
            JsonObject body = ApiBodies.object(ctx);
            JsonObject spec = spec(kind, body.getValue("spec"));
            respond(ctx, 200, () -> {
                checkReferences(kind, spec);
                return store.update(kind, ctx.pathParam("name"), expected, spec);
            });
        });
        router.delete(BASE + "/:name").handler(allowed(false)).handler(ctx -> {
            String kind = kind(ctx);
            Long expected = ifMatch(ctx);
            vertx.executeBlocking(() -> {
                store.delete(kind, ctx.pathParam("name"), expected);
                return null;
            }, false).onSuccess(ignored -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
        });
    }

    private Handler<RoutingContext> allowed(boolean read) {
        return read ? readers : writers;
    }

    private void respond(RoutingContext ctx, int status, Callable<JsonObject> work) {
        vertx.executeBlocking(work, false).onSuccess(resource -> {
            if (resource.containsKey("version")) {
                ctx.response().putHeader("ETag", "\"" + resource.getLong("version") + "\"");
            }
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(resource.encode());
        }).onFailure(ctx::fail);
    }

    private void checkReferences(String kind, JsonObject spec) throws java.sql.SQLException {
        if (kind.equals("model-versions") && !store.exists("registered-models", spec.getString("model"))) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "registered model '" + spec.getString("model") + "' does not exist; register it first");
        }
    }

    private static String kind(RoutingContext ctx) {
        String kind = ctx.pathParam("kind");
        if (!KINDS.contains(kind)) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "no resource kind '" + kind + "'; kinds: " + String.join(", ", new java.util.TreeSet<>(KINDS)));
        }
        return kind;
    }

    private static String name(Object value) {
        if (!(value instanceof String name) || !NAME.matcher(name).matches()) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "name must be 1-253 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit");
        }
        return name;
    }

    /** The spec, with what each kind can't do without. */
    private static JsonObject spec(String kind, Object value) {
        if (!(value instanceof JsonObject spec)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "spec must be a JSON object");
        }
        Map<String, String> required = switch (kind) {
            case "environments" -> Map.of("dockerImage", "the image the environment runs");
            case "model-versions" -> Map.of("model", "the registered model's name", "uri", "where the version's files are (its _MANIFEST.json)");
            case "servings" -> Map.of("model", "the registered model to serve");
            default -> Map.of();
        };
        required.forEach((field, what) -> {
            if (!(spec.getValue(field) instanceof String text) || text.isEmpty()) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", kind + " need spec." + field + ": " + what);
            }
            ApiBodies.withoutNul(text, "spec." + field);
        });
        return spec;
    }

    private static Long ifMatch(RoutingContext ctx) {
        String header = ctx.request().getHeader("If-Match");
        if (header == null) {
            return null;
        }
        try {
            return Long.parseLong(header.replace("W/", "").replace("\"", "").trim());
        } catch (NumberFormatException e) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "If-Match must be an ETag this service gave out, like \"3\"");
        }
    }
}
