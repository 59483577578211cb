package io.submarine.metastore.api;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's router: health, readiness, metrics and the OpenAPI document; under {@code /api}
 * bodies, authentication and the routes of each concern; and the one place failures become
 * responses, {@link #failure}, so a client error can never come out as a 5xx. Blocking work runs
 * unordered ({@code executeBlocking(work, false)}) everywhere: the server's requests share one
 * event-loop context, and ordered blocking work on it would run one request at a time.
 */
public final class ApiRouter {

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);

    private final Vertx vertx;
    private final Callable<Boolean> ready;
    private final Handler<RoutingContext> authenticate;
    private final PrometheusRegistry registry;
    private final long maxBodyBytes;
    private final List<String> errorCodePrefixes;
    private final java.util.function.Predicate<RoutingContext> streamsBody;

    /**
     * @param ready whether the database answers: {@code /readyz}
     * @param authenticate sets each {@code /api} request's role, or refuses it
     * @param registry what {@code /metrics} shows
     * @param errorCodePrefixes paths whose clients read {@code {error_code, message}} (MLflow's); others get {@code {code, message}}
     * @param streamsBody requests whose body its route streams (of any size), instead of it being read whole, up to {@code maxBodyBytes}
     */
    public ApiRouter(Vertx vertx, Callable<Boolean> ready, Handler<RoutingContext> authenticate, PrometheusRegistry registry, long maxBodyBytes,
            List<String> errorCodePrefixes, java.util.function.Predicate<RoutingContext> streamsBody) {
        this.vertx = vertx;
        this.ready = ready;
        this.authenticate = authenticate;
        this.registry = registry;
        this.maxBodyBytes = maxBodyBytes;
        this.errorCodePrefixes = List.copyOf(errorCodePrefixes);
        this.streamsBody = streamsBody;
    }

    public Router router(List<Routes> concerns) {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("ok\n"));
        router.get("/readyz").handler(this::ready);
        router.get("/metrics").handler(this::metrics);
        router.get("/openapi.yaml").handler(this::openApi);
        BodyHandler bodies = BodyHandler.create().setBodyLimit(maxBodyBytes);
        router.route("/api/*").handler(ctx -> {
            if (streamsBody.test(ctx)) {
                // Held until its route reads it: nothing of the body is lost while the request is authenticated.
                ctx.request().pause();
                ctx.next();
            } else {
                bodies.handle(ctx);
            }
        });
        router.route("/api/*").handler(authenticate);
        router.route("/api/*").handler(ctx -> {
            ctx.queryParams().forEach((name, value) -> ApiBodies.withoutNul(value, name));
            ctx.next();
        });
        concerns.forEach(concern -> concern.attach(router));
        List<Endpoint> endpoints = Endpoint.of(router);
        router.route().last().handler(ctx -> notServed(ctx, endpoints));
        router.route().failureHandler(this::failure);
        return router;
    }

    private void ready(RoutingContext ctx) {
        vertx.executeBlocking(ready, false).onComplete(result -> {
            boolean up = result.succeeded() && result.result();
            ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "text/plain").end(up ? "ready\n" : "database unreachable\n");
        });
    }

    private void metrics(RoutingContext ctx) {
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            ctx.fail(e);
            return;
        }
        ctx.response().putHeader("Content-Type", writer.getContentType()).end(out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void openApi(RoutingContext ctx) {
        try (java.io.InputStream in = ApiRouter.class.getResourceAsStream("/openapi.yaml")) {
            ctx.response().putHeader("Content-Type", "application/yaml").end(io.vertx.core.buffer.Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            ctx.fail(e);
        }
    }

    /** A route's path as a pattern, and the methods it serves. */
    private record Endpoint(Pattern path, Set<String> methods, boolean literal) {
        static List<Endpoint> of(Router router) {
            List<Endpoint> endpoints = new ArrayList<>();
            for (io.vertx.ext.web.Route route : router.getRoutes()) {
                if (route.getPath() != null && route.methods() != null && !route.methods().isEmpty()) {
                    String pattern = Arrays.stream(route.getPath().split("/", -1))
                            .map(segment -> segment.startsWith(":") ? "[^/]+" : Pattern.quote(segment))
                            .collect(Collectors.joining("/"));
                    endpoints.add(new Endpoint(Pattern.compile(pattern),
                            route.methods().stream().map(io.vertx.core.http.HttpMethod::name).collect(Collectors.toSet()), !route.getPath().contains(":")));
                }
            }
            return endpoints;
        }
    }

    /** A known path asked with a method it does not serve is 405 with {@code Allow}, as HTTP says; an unknown path 404. */
    private static void notServed(RoutingContext ctx, List<Endpoint> endpoints) {
        // A path that is a route of its own (logged-models/search) is that route's, not also a value of a parameter beside it (logged-models/:id).
        TreeSet<String> allowed = new TreeSet<>();
        boolean literal = endpoints.stream().anyMatch(e -> e.literal() && e.path().matcher(ctx.request().path()).matches());
        for (Endpoint endpoint : endpoints) {
            if (endpoint.literal() == literal && endpoint.path().matcher(ctx.request().path()).matches()) {
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
        } else if (error instanceof io.netty.handler.codec.DecoderException) {
            // A form body that does not decode as its Content-Type says (found by schemathesis): the client's to fix.
            status = 400;
            code = "MALFORMED_REQUEST";
            message = "the body does not decode as its Content-Type says; send JSON with Content-Type: application/json";
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
            String path = ctx.request().path();
            String codeField = errorCodePrefixes.stream().anyMatch(path::startsWith) ? "error_code" : "code";
            ApiBodies.send(ctx, status, new JsonObject(Map.of(codeField, code, "message", message)));
        }
    }
}
