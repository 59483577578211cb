package io.submarine.metastore;

import io.submarine.metastore.Tokens.Role;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST routes. Handlers are methods attached by reference; validation lives in
 * {@link ValidReport}; every failure becomes a status and {@code {code, message}} in one place,
 * {@link #failure}, so a client error can never come out as a 5xx. Blocking work runs unordered
 * ({@code executeBlocking(work, false)}) everywhere: the server's requests share one event-loop
 * context, and ordered blocking work on it would run one request at a time.
 */
final class ApiRouter {

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);
    private static final Set<String> KINDS = Set.of("localizations", "log-segments", "event-file-segments", "metric-points", "model-versions", "lifecycle");
    private static final String ROLE = "role";

    private final Vertx vertx;
    private final ReportStore reports;
    private final MetricStore metricStore;
    private final Optional<Tokens> tokens;
    private final long maxBodyBytes;
    private final ServiceMetrics metrics = new ServiceMetrics();

    private final MlflowRoutes mlflow;
    private final ResourceRoutes resources;
    private final LogRoutes logs;

    ApiRouter(Vertx vertx, ReportStore reports, MetricStore metricStore, MlflowStore mlflowStore, ResourceStore resourceStore, LogReader logReader,
            Optional<Tokens> tokens, long maxBodyBytes) {
        this.vertx = vertx;
        this.metricStore = metricStore;
        this.logs = new LogRoutes(vertx, reports, logReader);
        this.mlflow = new MlflowRoutes(vertx, mlflowStore, this::require);
        this.resources = new ResourceRoutes(vertx, resourceStore, this::require);
        this.reports = reports;
        this.tokens = tokens;
        this.maxBodyBytes = maxBodyBytes;
    }

    Router router() {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("ok\n"));
        router.get("/readyz").handler(this::ready);
        router.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", metrics.contentType()).end(metrics.scrape()));
        router.get("/openapi.yaml").handler(this::openApi);
        router.route("/api/*").handler(BodyHandler.create().setBodyLimit(maxBodyBytes));
        router.route("/api/*").handler(this::authenticate);
        router.route("/api/*").handler(ctx -> {
            ctx.queryParams().forEach((name, value) -> ApiBodies.withoutNul(value, name));
            ctx.next();
        });
        router.post("/api/v1/reports/:kind").handler(ctx -> require(ctx, EnumSet.of(Role.REPORTER, Role.ADMIN))).handler(this::report);
        router.get("/api/v1/reports/:kind").handler(ctx -> require(ctx, EnumSet.of(Role.READER, Role.ADMIN))).handler(this::list);
        router.get("/api/v1/metrics/history").handler(ctx -> require(ctx, EnumSet.of(Role.READER, Role.ADMIN))).handler(this::history);
        router.get("/api/v1/logs").handler(ctx -> require(ctx, EnumSet.of(Role.READER, Role.ADMIN))).handler(logs::serve);
        resources.attach(router);
        mlflow.attach(router);
        List<Endpoint> endpoints = Endpoint.of(router);
        router.route().last().handler(ctx -> notServed(ctx, endpoints));
        router.route().failureHandler(this::failure);
        return router;
    }

    /** A route's path as a pattern, and the methods it serves. */
    private record Endpoint(java.util.regex.Pattern path, Set<String> methods) {
        static List<Endpoint> of(Router router) {
            List<Endpoint> endpoints = new java.util.ArrayList<>();
            for (io.vertx.ext.web.Route route : router.getRoutes()) {
                if (route.getPath() != null && route.methods() != null && !route.methods().isEmpty()) {
                    String pattern = java.util.Arrays.stream(route.getPath().split("/", -1))
                            .map(segment -> segment.startsWith(":") ? "[^/]+" : java.util.regex.Pattern.quote(segment))
                            .collect(java.util.stream.Collectors.joining("/"));
                    endpoints.add(new Endpoint(java.util.regex.Pattern.compile(pattern),
                            route.methods().stream().map(io.vertx.core.http.HttpMethod::name).collect(java.util.stream.Collectors.toSet())));
                }
            }
            return endpoints;
        }
    }

    /** A known path asked with a method it does not serve is 405 with {@code Allow}, as HTTP says; an unknown path 404. */
    private static void notServed(RoutingContext ctx, List<Endpoint> endpoints) {
        java.util.TreeSet<String> allowed = new java.util.TreeSet<>();
        for (Endpoint endpoint : endpoints) {
            if (endpoint.path().matcher(ctx.request().path()).matches()) {
                allowed.addAll(endpoint.methods());
            }
        }
        if (allowed.isEmpty()) {
            ctx.fail(new ApiException(404, "ENDPOINT_NOT_FOUND", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
            return;
        }
        ctx.response().putHeader("Allow", String.join(", ", allowed));
        ctx.fail(new ApiException(405, "METHOD_NOT_ALLOWED", ctx.request().path() + " serves " + String.join(", ", allowed) + ", not "
                + ctx.request().method()));
    }

    private void ready(RoutingContext ctx) {
        vertx.executeBlocking(reports::reachable, false).onComplete(result -> {
            boolean up = result.succeeded() && result.result();
            ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "text/plain").end(up ? "ready\n" : "database unreachable\n");
        });
    }

    private void openApi(RoutingContext ctx) {
        try (java.io.InputStream in = ApiRouter.class.getResourceAsStream("/openapi.yaml")) {
            ctx.response().putHeader("Content-Type", "application/yaml").end(io.vertx.core.buffer.Buffer.buffer(in.readAllBytes()));
        } catch (java.io.IOException e) {
            ctx.fail(e);
        }
    }

    private void authenticate(RoutingContext ctx) {
        if (tokens.isEmpty()) {
            ctx.put(ROLE, Role.ADMIN);
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            ctx.fail(new ApiException(401, "UNAUTHENTICATED", "send 'Authorization: Bearer <token>'"));
            return;
        }
        Optional<Role> role = tokens.get().roleOf(header.substring("Bearer ".length()).strip());
        if (role.isEmpty()) {
            ctx.fail(new ApiException(401, "UNAUTHENTICATED", "unknown token"));
            return;
        }
        ctx.put(ROLE, role.get());
        ctx.next();
    }

    private void require(RoutingContext ctx, Set<Role> allowed) {
        Role role = ctx.get(ROLE);
        if (!allowed.contains(role)) {
            ctx.fail(new ApiException(403, "PERMISSION_DENIED", "the " + role.name().toLowerCase(java.util.Locale.ROOT) + " role may not do this"));
            return;
        }
        ctx.next();
    }

    private void report(RoutingContext ctx) {
        String kind = kind(ctx);
        String key = ctx.request().getHeader("Idempotency-Key");
        if (key == null || key.isEmpty() || key.length() > 200) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "send an Idempotency-Key header of 1 to 200 characters");
        }
        // Parsed on a worker too: a report may carry 10,000 points, and the event loop is one thread for every request.
        vertx.executeBlocking(() -> {
            ValidReport parsed = ValidReport.of(ApiBodies.object(ctx));
            List<MetricPoint> points = kind.equals("metric-points") ? MetricPoint.fromPayload(parsed.payload()) : List.of();
            // The points go to their own table; the report keeps the rest of the payload and their count, not a second copy.
            ValidReport report = points.isEmpty() ? parsed : parsed.withPayload(withoutPoints(parsed.payload()).put("points", points.size()));
            ReportStore.Stored stored = reports.insert(kind, key, report, points);
            metrics.reported(kind, stored.duplicate(), points.size());
            return stored;
        }, false).onSuccess(stored -> json(ctx, stored.duplicate() ? 200 : 201, new JsonObject().put("id", stored.id()).put("duplicate", stored.duplicate())))
                .onFailure(ctx::fail);
    }

    /** The payload's other fields (a shallow copy: a deep one would copy every point only to drop them). */
    private static JsonObject withoutPoints(JsonObject payload) {
        JsonObject rest = new JsonObject();
        for (String field : payload.fieldNames()) {
            if (!field.equals("points")) {
                rest.put(field, payload.getValue(field));
            }
        }
        return rest;
    }

    private void history(RoutingContext ctx) {
        String ownerKind = required(ctx, "ownerKind");
        String ownerName = required(ctx, "ownerName");
        String key = required(ctx, "key");
        long from = number(ctx, "fromStep", 0, Long.MAX_VALUE);
        long to = number(ctx, "toStep", Long.MAX_VALUE, Long.MAX_VALUE);
        int maxPoints = (int) number(ctx, "maxPoints", 1000, 100_000);
        if (maxPoints < 2) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "maxPoints must be at least 2");
        }
        vertx.executeBlocking(() -> metricStore.history(ownerKind, ownerName, key, from, to, maxPoints), false).onSuccess(points -> {
            JsonArray array = new JsonArray();
            points.forEach(p -> array.add(p.toJson()));
            json(ctx, 200, new JsonObject().put("key", key).put("points", array));
        }).onFailure(ctx::fail);
    }

    static String required(RoutingContext ctx, String name) {
        String value = ctx.request().getParam(name);
        if (value == null || value.isEmpty()) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "query parameter '" + name + "' is missing");
        }
        return value;
    }

    private void list(RoutingContext ctx) {
        String kind = kind(ctx);
        long cursor = number(ctx, "cursor", 0, Long.MAX_VALUE);
        int limit = (int) number(ctx, "limit", 100, 1000);
        String ownerKind = ctx.request().getParam("ownerKind");
        if (ownerKind != null && !Set.of("experiment", "notebook", "serving").contains(ownerKind)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "ownerKind must be experiment, notebook or serving");
        }
        ReportStore.Filter filter = new ReportStore.Filter(ctx.request().getParam("namespace"), ctx.request().getParam("pod"),
                ctx.request().getParam("container"), ownerKind, ctx.request().getParam("ownerName"));
        vertx.executeBlocking(() -> reports.list(kind, filter, cursor, limit), false).onSuccess(page -> json(ctx, 200, page)).onFailure(ctx::fail);
    }

    private static String kind(RoutingContext ctx) {
        String kind = ctx.pathParam("kind");
        if (!KINDS.contains(kind)) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "no report kind '" + kind + "'; kinds: " + String.join(", ", new java.util.TreeSet<>(KINDS)));
        }
        return kind;
    }

    static long number(RoutingContext ctx, String name, long defaultValue, long max) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text);
            if (value < 0 || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", name + " must be a whole number from 0 to " + max);
        }
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    /** The one place failures become responses. */
    private void failure(RoutingContext ctx) {
        Throwable error = ctx.failure();
        int status;
        String code;
        String message;
        if (error instanceof ApiException api) {
            status = api.status();
            code = api.code();
            message = api.getMessage();
        } else if (error == null && ctx.statusCode() == 413) {
            status = 413;
            code = "REQUEST_TOO_LARGE";
            message = "the body is larger than " + maxBodyBytes + " bytes";
        } else if (error == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            status = ctx.statusCode();
            code = "BAD_REQUEST";
            message = "bad request";
        } else {
            status = 500;
            code = "INTERNAL_ERROR";
            message = "internal error";
            LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), error);
        }
        if (!ctx.response().ended()) {
            // MLflow clients read error_code; everything else gets {code, message}.
            String codeField = ctx.request().path().startsWith(MlflowRoutes.PREFIX) ? "error_code" : "code";
            json(ctx, status, new JsonObject(Map.of(codeField, code, "message", message)));
        }
    }
}
