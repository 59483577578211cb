package io.submarine.metastore;

import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;

/** Request bodies as JSON objects, or a 400 that says the body isn't one. */
final class ApiBodies {
    private ApiBodies() {}

    static JsonObject object(RoutingContext ctx) {
        if (ctx.body().length() == 0) {
            throw new ApiException(400, "MALFORMED_REQUEST", "send a JSON object");
        }
        return parse(ctx.body().buffer());
    }

    /** The body as an object; an empty body is an empty object (MLflow's GET-like POSTs send none). */
    static JsonObject objectOrEmpty(RoutingContext ctx) {
        return ctx.body().length() == 0 ? new JsonObject() : object(ctx);
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
}
