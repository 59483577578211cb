package io.submarine.metastore;

import io.submarine.storage.Location;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/logs}: a line range of a container's log, streamed back from blob storage;
 * with {@code follow=true} it goes on as new segments are reported, until the run's
 * {@code _COMPLETE} is written or the client goes away.
 */
final class LogRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(LogRoutes.class);
    /** How often a followed log looks for new segments. */
    private static final long FOLLOW_POLL_MILLIS = 1000;

    private final Vertx vertx;
    private final ReportStore reports;
    private final LogReader reader;

    LogRoutes(Vertx vertx, ReportStore reports, LogReader reader) {
        this.vertx = vertx;
        this.reports = reports;
        this.reader = reader;
    }

    void serve(RoutingContext ctx) {
        String namespace = ApiRouter.required(ctx, "namespace");
        String pod = ApiRouter.required(ctx, "pod");
        String container = ApiRouter.required(ctx, "container");
        int restart = (int) ApiRouter.number(ctx, "restart", 0, Integer.MAX_VALUE);
        long fromLine = ApiRouter.number(ctx, "fromLine", 0, Long.MAX_VALUE);
        long toLine = ApiRouter.number(ctx, "toLine", Long.MAX_VALUE, Long.MAX_VALUE);
        if (toLine < fromLine) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "toLine must not be less than fromLine");
        }
        String followText = ctx.request().getParam("follow", "false");
        if (!followText.equals("true") && !followText.equals("false")) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "follow must be true or false");
        }
        boolean follow = Boolean.parseBoolean(followText);
        vertx.executeBlocking(() -> reports.lastLogSegment(namespace, pod, container, restart)).onSuccess(uri -> {
            if (uri.isEmpty()) {
                ctx.fail(new ApiException(404, "RESOURCE_DOES_NOT_EXIST",
                        "no log segments reported for container '" + container + "' (restart " + restart + ") of pod " + namespace + "/" + pod));
                return;
            }
            Location directory = Location.of(uri.get()).parent();
            HttpServerResponse response = ctx.response().setChunked(true).putHeader("Content-Type", "text/plain; charset=utf-8");
            // Blocking reads on a worker thread, not ordered with other requests: a followed log may take hours.
            vertx.executeBlocking(() -> stream(directory, fromLine, toLine, follow, response), false).onComplete(done -> {
                if (done.failed() && !response.headWritten()) {
                    ctx.fail(done.cause());
                    return;
                }
                if (done.failed()) {
                    LOG.warn("reading the log under {} failed after it began: {}", directory, done.cause().toString());
                }
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
            });
        }).onFailure(ctx::fail);
    }

    private Void stream(Location directory, long fromLine, long toLine, boolean follow, HttpServerResponse response) throws Exception {
        long line = fromLine;
        LogReader.Sink sink = (data, length) -> {
            if (response.closed()) {
                return false;
            }
            try {
                // Waits for the write, so a slow reader slows the copy instead of filling memory.
                response.write(Buffer.buffer(data)).toCompletionStage().toCompletableFuture().get();
                return true;
            } catch (ExecutionException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
        while (true) {
            LogReader.Progress progress = reader.copy(directory, line, toLine, sink);
            line = progress.nextLine();
            if (!follow || progress.complete() || line >= toLine || response.closed()) {
                return null;
            }
            Thread.sleep(FOLLOW_POLL_MILLIS);
        }
    }
}
