package io.submarine.metastore.logs;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.api.ApiParams;
import io.submarine.metastore.api.Routes;
import io.submarine.metastore.auth.Access;
import io.submarine.metastore.auth.Tokens.Role;
import io.submarine.metastore.reports.ReportStore;
import io.submarine.storage.Location;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/logs}: a line range of a container's log, streamed back from blob storage;
 * with {@code follow=true} it goes on as new segments are reported, until the run's
 * {@code _COMPLETE} is written or the client goes away.
 */
public final class LogRoutes implements Routes {

    private static final Logger LOG = LoggerFactory.getLogger(LogRoutes.class);
    /** How often a followed log looks for new segments. */
    private static final long FOLLOW_POLL_MILLIS = 1000;
    /** Reader threads of their own, so that slow log readers never hold up the database's workers. */
    private static final int READER_THREADS = 8;

    private final Vertx vertx;
    private final ReportStore reports;
    private final LogReader reader;
    private final WorkerExecutor readers;

    public LogRoutes(Vertx vertx, ReportStore reports, LogReader reader) {
        this.vertx = vertx;
        this.reports = reports;
        this.reader = reader;
        this.readers = vertx.createSharedWorkerExecutor("metastore-log-readers", READER_THREADS);
    }

    @Override
    public void attach(Router router) {
        router.get("/api/v1/logs").handler(Access.only(Role.READER, Role.ADMIN)).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        String namespace = ApiParams.required(ctx, "namespace");
        String pod = ApiParams.required(ctx, "pod");
        String container = ApiParams.required(ctx, "container");
        int restart = (int) ApiParams.number(ctx, "restart", 0, Integer.MAX_VALUE);
        long fromLine = ApiParams.number(ctx, "fromLine", 0, Long.MAX_VALUE);
        // A range that ends before it starts holds no lines, as a slice would.
        long toLine = Math.max(ApiParams.number(ctx, "toLine", Long.MAX_VALUE, Long.MAX_VALUE), fromLine);
        String followText = ctx.request().getParam("follow", "false");
        if (!followText.equals("true") && !followText.equals("false")) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "follow must be true or false");
        }
        boolean follow = Boolean.parseBoolean(followText);
        vertx.executeBlocking(() -> reports.lastLogSegment(namespace, pod, container, restart), false).onSuccess(uri -> {
            if (uri.isEmpty()) {
                ctx.fail(new ApiException(404, "RESOURCE_DOES_NOT_EXIST",
                        "no log segments reported for container '" + container + "' (restart " + restart + ") of pod " + namespace + "/" + pod));
                return;
            }
            Location directory = Location.of(uri.get()).parent();
            HttpServerResponse response = ctx.response().setChunked(true).putHeader("Content-Type", "text/plain; charset=utf-8");
            Promise<Void> done = Promise.promise();
            pump(directory, fromLine, toLine, follow, response, done);
            done.future().onComplete(result -> {
                if (result.failed() && !response.headWritten()) {
                    ctx.fail(result.cause());
                    return;
                }
                if (result.failed()) {
                    LOG.warn("reading the log under {} failed after it began: {}", directory, result.cause().toString());
                }
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
            });
        }).onFailure(ctx::fail);
    }

    /**
     * Copies what there is from {@code line} on, then, when following, looks again after a pause
     * on a timer: a followed log holds a reader thread only while it copies, never while it waits,
     * so followers (which may stay for hours) can't starve the database's worker threads.
     */
    private void pump(Location directory, long line, long toLine, boolean follow, HttpServerResponse response, Promise<Void> done) {
        readers.executeBlocking(() -> reader.copy(directory, line, toLine, sink(response)), false).onComplete(copied -> {
            if (copied.failed()) {
                done.fail(copied.cause());
                return;
            }
            long next = copied.result().nextLine();
            if (!follow || copied.result().complete() || next >= toLine || response.closed()) {
                done.complete();
                return;
            }
            vertx.setTimer(FOLLOW_POLL_MILLIS, timer -> pump(directory, next, toLine, follow, response, done));
        });
    }

    private static LogReader.Sink sink(HttpServerResponse response) {
        return (data, length) -> {
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
    }
}
