package io.submarine.metastore.reports;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.api.ApiParams;
import io.submarine.metastore.api.Routes;
import io.submarine.metastore.auth.Access;
import io.submarine.metastore.auth.Tokens.Role;
import io.submarine.metastore.metrics.MetricPoint;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /api/v1/reports/{kind}}: what the programs report, stored once per idempotency key
 * (reporters and admins), and listed back a page at a time (readers and admins). Counted on
 * {@code /metrics}: reports by kind and whether they repeated one, metric points stored.
 */
public final class ReportRoutes implements Routes {

    private static final Set<String> STORED_AS_SENT = Set.of("localizations", "log-segments", "event-file-segments", "metric-points", "model-versions",
            "lifecycle");
    private static final Set<String> OWNER_KINDS = Set.of("experiment", "notebook", "serving");

    private final Vertx vertx;
    private final ReportStore reports;
    private final Counter received;
    private final Counter points;
    private final Map<String, CarriedWrites> carried;
    private final Set<String> kinds;

    /** @param carried the kinds of report that write elsewhere too, each with what it writes */
    public ReportRoutes(Vertx vertx, ReportStore reports, PrometheusRegistry registry, Map<String, CarriedWrites> carried) {
        this.vertx = vertx;
        this.reports = reports;
        this.carried = Map.copyOf(carried);
        this.kinds = new TreeSet<>(STORED_AS_SENT);
        this.kinds.addAll(carried.keySet());
        this.received = Counter.builder().name("metastore_reports").help("Reports received, by kind and whether they repeated one already stored.")
                .labelNames("kind", "duplicate").register(registry);
        this.points = Counter.builder().name("metastore_metric_points").help("Metric points stored.").register(registry);
    }

    @Override
    public void attach(Router router) {
        router.post("/api/v1/reports/:kind").handler(Access.only(Role.REPORTER, Role.ADMIN)).handler(this::report);
        router.get("/api/v1/reports/:kind").handler(Access.only(Role.READER, Role.ADMIN)).handler(this::list);
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
            List<MetricPoint> carriedPoints = kind.equals("metric-points") ? MetricPoint.fromPayload(parsed.payload()) : List.of();
            // The points go to their own table; the report keeps the rest of the payload and their count, not a second copy.
            ValidReport report = carriedPoints.isEmpty() ? parsed : parsed.withPayload(withoutPoints(parsed.payload()).put("points", carriedPoints.size()));
            CarriedWrites writes = carried.get(kind);
            if (writes != null) {
                writes.check(report.payload());
            }
            ReportStore.Stored stored = reports.insert(kind, key, report, carriedPoints, writes);
            received.labelValues(kind, Boolean.toString(stored.duplicate())).inc();
            if (!stored.duplicate()) {
                points.inc(carriedPoints.size());
            }
            return stored;
        }, false).onSuccess(stored -> ApiBodies.send(ctx, stored.duplicate() ? 200 : 201,
                new JsonObject().put("id", stored.id()).put("duplicate", stored.duplicate()))).onFailure(ctx::fail);
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

    private void list(RoutingContext ctx) {
        String kind = kind(ctx);
        long cursor = ApiParams.number(ctx, "cursor", 0, Long.MAX_VALUE);
        int limit = (int) ApiParams.number(ctx, "limit", 100, 1000);
        String ownerKind = ctx.request().getParam("ownerKind");
        if (ownerKind != null && !OWNER_KINDS.contains(ownerKind)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "ownerKind must be experiment, notebook or serving");
        }
        ReportStore.Filter filter = new ReportStore.Filter(ctx.request().getParam("namespace"), ctx.request().getParam("pod"),
                ctx.request().getParam("container"), ownerKind, ctx.request().getParam("ownerName"));
        vertx.executeBlocking(() -> reports.list(kind, filter, cursor, limit), false).onSuccess(page -> ApiBodies.send(ctx, 200, page)).onFailure(ctx::fail);
    }

    private String kind(RoutingContext ctx) {
        String kind = ctx.pathParam("kind");
        if (!kinds.contains(kind)) {
            throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "no report kind '" + kind + "'; kinds: " + String.join(", ", kinds));
        }
        return kind;
    }
}
