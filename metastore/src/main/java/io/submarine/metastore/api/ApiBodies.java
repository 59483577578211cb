package io.submarine.metastore.api;

import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;

/**
 * Request bodies as JSON objects, or a 400 that says the body isn't one. A field set to null is
 * read as one left out, as proto3 JSON reads it (MLflow's API is proto3).
 */
public final class ApiBodies {
    private ApiBodies() {}

    public static JsonObject object(RoutingContext ctx) {
        if (absent(ctx)) {
            throw new ApiException(400, "MALFORMED_REQUEST", "the request has no body; send a JSON object");
        }
        return parse(ctx.body().buffer());
    }

    /** The body as an object; an empty body is an empty object (MLflow's GET-like POSTs send none). */
    public static JsonObject objectOrEmpty(RoutingContext ctx) {
        return absent(ctx) ? new JsonObject() : object(ctx);
    }

    /** No body, or an empty one: Vert.x says -1 (and holds no buffer) for a request that sent none at all. */
    private static boolean absent(RoutingContext ctx) {
        return ctx.body().length() <= 0;
    }

    /**
     * Refuses a NUL character (U+0000) in a text the service stores or looks up: PostgreSQL
     * cannot hold one, and H2 can, so taking it would make the databases differ. Free-form JSON
     * (a report's payload, a resource's spec) is stored as JSON text, where it is escaped, and may.
     */
    public static String withoutNul(String text, String field) {
        if (text != null && text.indexOf('\0') >= 0) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "'" + field + "' holds a NUL character (U+0000), which the database cannot store");
        }
        return text;
    }

    /**
     * Parses with Jackson's fast double parser: metric reports carry thousands of full-precision
     * numbers, and the JDK's parser made reading them a large share of a report's cost.
     */
    private static JsonObject parse(Buffer buffer) {
        try (JsonParser parser = JacksonCodec.createParser(buffer)) {
            parser.enable(JsonParser.Feature.USE_FAST_DOUBLE_PARSER);
            if (!(JacksonCodec.fromParser(parser, Object.class) instanceof JsonObject body)) {
                throw new ApiException(400, "MALFORMED_REQUEST", "send a JSON object");
            }
            return body;
        } catch (DecodeException | ClassCastException | IOException e) {
            throw new ApiException(400, "MALFORMED_REQUEST", "the body is not a JSON object");
        }
    }

    /** Answers {@code status} with {@code body} as JSON. */
    public static void send(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
