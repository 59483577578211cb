package io.submarine.metastore;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Request bodies as JSON objects, or a 400 that says the body isn't one. */
final class ApiBodies {
    private ApiBodies() {}

    static JsonObject object(RoutingContext ctx) {
        try {
            JsonObject body = ctx.body().asJsonObject();
            if (body == null) {
                throw new ApiException(400, "MALFORMED_REQUEST", "send a JSON object");
            }
            return body;
        } catch (io.vertx.core.json.DecodeException | ClassCastException e) {
            throw new ApiException(400, "MALFORMED_REQUEST", "the body is not a JSON object");
        }
    }
}
