package io.submarine.metastore;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/** The running service: Vert.x serving the routes over the database. */
final class MetastoreServer implements AutoCloseable {

    private final Vertx vertx;
    private final Database database;
    private final HttpServer server;
    private final Router router;

    private final BlobStore storage;

    private MetastoreServer(Vertx vertx, Database database, HttpServer server, Router router, BlobStore storage) {
        this.storage = storage;
        this.vertx = vertx;
        this.database = database;
        this.server = server;
        this.router = router;
    }

    /** "METHOD /path" of every route, paths in OpenAPI's {param} form; for checking the OpenAPI document. */
    java.util.Set<String> routes() {
        java.util.Set<String> routes = new java.util.TreeSet<>();
        for (io.vertx.ext.web.Route route : router.getRoutes()) {
            if (route.getPath() == null || route.methods() == null) {
                continue;
            }
            String path = route.getPath().replaceAll(":(\\w+)", "{$1}");
            route.methods().forEach(method -> routes.add(method.name() + " " + path));
        }
        return routes;
    }

    /** Where the TLS certificate chain and private key are, as PEM files. */
    record Tls(java.nio.file.Path certFile, java.nio.file.Path keyFile) {}

    static MetastoreServer start(Database database, Optional<Tokens> tokens, String host, int port, long maxBodyBytes) throws Exception {
        return start(database, tokens, host, port, maxBodyBytes, Optional.empty(), BlobStores.load(StorageConfig.empty()));
    }

    /**
     * @param storage where logs are read back from: the same settings the programs ship with
     */
    static MetastoreServer start(Database database, Optional<Tokens> tokens, String host, int port, long maxBodyBytes, Optional<Tls> tls,
            BlobStore storage) throws Exception {
        io.vertx.core.http.HttpServerOptions options = new io.vertx.core.http.HttpServerOptions();
        tls.ifPresent(t -> options.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                .setCertPath(t.certFile().toString()).setKeyPath(t.keyFile().toString())));
        Vertx vertx = Vertx.vertx();
        try {
            MetricStore metrics = new MetricStore(database.dataSource());
            Router router = new ApiRouter(vertx, new ReportStore(database.dataSource(), metrics), metrics, new MlflowStore(database.dataSource(), metrics),
                    new ResourceStore(database.dataSource()), new LogReader(storage), tokens, maxBodyBytes).router();
            HttpServer server = vertx.createHttpServer(options).requestHandler(router).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get();
            return new MetastoreServer(vertx, database, server, router, storage);
        } catch (ExecutionException e) {
            vertx.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new java.io.IOException("stopping the HTTP server failed", e.getCause());
        } finally {
            database.close();
            storage.close();
        }
    }
}
