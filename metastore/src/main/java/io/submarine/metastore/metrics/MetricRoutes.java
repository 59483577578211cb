package io.submarine.metastore.metrics;

import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.api.ApiParams;
import io.submarine.metastore.api.Routes;
import io.submarine.metastore.auth.Access;
import io.submarine.metastore.auth.Tokens.Role;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /api/v1/metrics/history}: a metric's points by step for an owner, thinned to at most maxPoints (readers and admins). */
public final class MetricRoutes implements Routes {

    private final Vertx vertx;
    private final MetricStore store;

    public MetricRoutes(Vertx vertx, MetricStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    @Override
    public void attach(Router router) {
        router.get("/api/v1/metrics/history").handler(Access.only(Role.READER, Role.ADMIN)).handler(this::history);
    }

    private void history(RoutingContext ctx) {
        String ownerKind = ApiParams.required(ctx, "ownerKind");
        String ownerName = ApiParams.required(ctx, "ownerName");
        String key = ApiParams.required(ctx, "key");
        long from = ApiParams.number(ctx, "fromStep", 0, Long.MAX_VALUE);
        long to = ApiParams.number(ctx, "toStep", Long.MAX_VALUE, Long.MAX_VALUE);
        int maxPoints = (int) ApiParams.number(ctx, "maxPoints", 1000, 100_000);
        if (maxPoints < 2) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "maxPoints must be at least 2");
        }
        vertx.executeBlocking(() -> store.history(ownerKind, ownerName, key, from, to, maxPoints), false).onSuccess(points -> {
            JsonArray array = new JsonArray();
            points.forEach(p -> array.add(p.toJson()));
            ApiBodies.send(ctx, 200, new JsonObject().put("key", key).put("points", array));
        }).onFailure(ctx::fail);
    }
}
