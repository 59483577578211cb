package io.submarine.metastore.mlflow;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.api.Routes;
import io.submarine.mlflow.artifacts.ArtifactTree;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * MLflow's artifact proxy API, as {@code mlflow server --serve-artifacts} serves it: a run's
 * {@code artifact_uri} is {@code mlflow-artifacts:/<experiment>/<run>/artifacts}, and the client
 * uploads, lists and downloads it here, over {@code --artifacts-destination} in blob storage. The
 * in-pod endpoint writes the same tree, so what a pod logged reads back from here.
 *
 * <p>An upload goes to a file under {@code spool} first (Vert.x streams it there, memory stays
 * flat), then to storage from a worker: it is visible whole or not at all. Downloads stream.
 * Reader, reporter and admin may read; reporter and admin may write, as for runs.
 */
public final class MlflowArtifactRoutes implements Routes {

    public static final String PREFIX = "/api/2.0/mlflow-artifacts/artifacts";
    private static final int COPY_BUFFER = 256 << 10;
    /** Threads of their own, so a slow store or client never holds up the database's workers. */
    private static final int STORAGE_THREADS = 8;

    private final Vertx vertx;
    private final ArtifactTree tree;
    private final Path spool;
    private final WorkerExecutor storage;

    public MlflowArtifactRoutes(Vertx vertx, ArtifactTree tree, Path spool) {
        this.vertx = vertx;
        this.tree = tree;
        this.spool = spool;
        this.storage = vertx.createSharedWorkerExecutor("metastore-artifacts", STORAGE_THREADS);
    }

    /** Whether a request's body streams to the handler instead of being read whole first. */
    public static boolean streamsBody(RoutingContext ctx) {
        return ctx.request().path().startsWith(PREFIX + "/");
    }

    @Override
    public void attach(Router router) {
        var readers = MlflowRoutes.READERS;
        var writers = MlflowRoutes.WRITERS;
        router.get(PREFIX).handler(readers).handler(ctx -> respond(ctx, () -> list(ctx.request().getParam("path"))));
        router.put(PREFIX + "/*").handler(writers).handler(this::upload);
        router.get(PREFIX + "/*").handler(readers).handler(this::download);
        router.delete(PREFIX + "/*").handler(writers).handler(ctx -> {
            String path = path(ctx);
            if (path == null) {
                ctx.next();
                return;
            }
            respond(ctx, () -> {
                tree.delete(path);
                return new JsonObject();
            });
        });
    }

    private JsonObject list(String directory) throws IOException {
        JsonObject answer = new JsonObject();
        var entries = tree.list(directory);
        if (!entries.isEmpty()) {
            // An empty list is left out, as proto3 JSON (and MLflow's server) leaves it out.
            JsonArray files = new JsonArray();
            for (ArtifactTree.Entry entry : entries) {
                JsonObject file = new JsonObject().put("path", entry.name()).put("is_dir", entry.directory());
                if (!entry.directory()) {
                    file.put("file_size", entry.size());
                }
                files.add(file);
            }
            answer.put("files", files);
        }
        return answer;
    }

    private void upload(RoutingContext ctx) {
        String path = path(ctx);
        if (path == null) {
            ctx.next();
            return;
        }
        Path staged;
        try {
            staged = Files.createTempFile(Files.createDirectories(spool), "upload-", ".part");
        } catch (IOException e) {
            ctx.fail(e);
            return;
        }
        vertx.fileSystem().open(staged.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true))
                .compose(file -> ctx.request().pipeTo(file))
                .compose(received -> storage.executeBlocking(() -> {
                    try (InputStream in = Files.newInputStream(staged)) {
                        tree.upload(path, in);
                    }
                    return new JsonObject();
                }, false))
                .onComplete(done -> {
                    try {
                        Files.deleteIfExists(staged);
                    } catch (IOException ignored) {
                        // A temp file left behind is the system's to clean; the answer stands.
                    }
                    if (done.succeeded()) {
                        ctx.response().putHeader("Content-Type", "application/json").end(done.result().encode());
                    } else {
                        ctx.fail(mlflowError(done.cause()));
                    }
                });
    }

    private void download(RoutingContext ctx) {
        String path = path(ctx);
        if (path == null) {
            ctx.next();
            return;
        }
        storage.executeBlocking(() -> tree.stat(path), false).onComplete(stat -> {
            if (stat.failed()) {
                ctx.fail(mlflowError(stat.cause()));
                return;
            }
            BlobInfo info = stat.result();
            HttpServerResponse response = ctx.response().putHeader("Content-Type", "application/octet-stream")
                    .putHeader("Content-Length", Long.toString(info.size()));
            storage.executeBlocking(() -> copy(path, response), false).onComplete(copied -> {
                if (copied.failed() && !response.headWritten()) {
                    ctx.fail(mlflowError(copied.cause()));
                } else if (copied.failed()) {
                    // The length is promised: closing short tells the client the download broke.
                    response.reset();
                } else if (!response.ended()) {
                    response.end();
                }
            });
        });
    }

    /** Streams the file into the response, each write awaited so a slow client slows the copy instead of filling memory. */
    private Void copy(String path, HttpServerResponse response) throws Exception {
        try (InputStream in = tree.open(path)) {
            byte[] buffer = new byte[COPY_BUFFER];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                if (read > 0) {
                    try {
                        response.write(Buffer.buffer().appendBytes(buffer, 0, read)).toCompletionStage().toCompletableFuture().get();
                    } catch (ExecutionException e) {
                        throw new IOException("the client went away", e.getCause());
                    }
                }
            }
        }
        return null;
    }

    /** The artifact's path, checked; null for the tree itself (the list's path), which no file route serves. */
    private static String path(RoutingContext ctx) {
        String raw = ctx.request().path();
        if (raw.length() <= PREFIX.length() + 1) {
            return null;
        }
        try {
            return ArtifactTree.checked(ArtifactTree.fromUrlPath(raw.substring(PREFIX.length() + 1)));
        } catch (ArtifactTree.InvalidPath e) {
            throw MlflowRoutes.invalid(e.getMessage());
        }
    }

    private void respond(RoutingContext ctx, Callable<JsonObject> work) {
        storage.executeBlocking(work, false).onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json").end(body.encode()))
                .onFailure(e -> ctx.fail(mlflowError(e)));
    }

    /** A storage failure as MLflow's client expects it: a missing file 404, a bad path 400, storage away 503 (its retries apply). */
    private static Throwable mlflowError(Throwable e) {
        if (e instanceof ArtifactTree.InvalidPath || e instanceof ArtifactTree.IsADirectory) {
            return MlflowRoutes.invalid(e.getMessage());
        }
        if (e instanceof BlobNotFoundException) {
            return new ApiException(404, "RESOURCE_DOES_NOT_EXIST", "No such artifact: " + e.getMessage());
        }
        if (e instanceof BlobStoreException storage) {
            return new ApiException(storage.retryable() ? 503 : 500, storage.retryable() ? "TEMPORARILY_UNAVAILABLE" : "INTERNAL_ERROR",
                    "the artifact store failed: " + e.getMessage());
        }
        return e;
    }
}
