package io.submarine.metastore;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.submarine.metastore.api.ApiRouter;
import io.submarine.metastore.auth.Access;
import io.submarine.metastore.auth.Tokens;
import io.submarine.metastore.db.Database;
import io.submarine.metastore.logs.LogReader;
import io.submarine.metastore.logs.LogRoutes;
import io.submarine.metastore.metrics.MetricRoutes;
import io.submarine.metastore.metrics.MetricStore;
import io.submarine.metastore.mlflow.LoggedModelRoutes;
import io.submarine.metastore.mlflow.MlflowArtifactRoutes;
import io.submarine.metastore.mlflow.MlflowCalls;
import io.submarine.metastore.mlflow.MlflowRoutes;
import io.submarine.metastore.mlflow.MlflowStore;
import io.submarine.metastore.reports.ReportRoutes;
import io.submarine.metastore.reports.ReportStore;
import io.submarine.metastore.resources.ResourceRoutes;
import io.submarine.metastore.resources.ResourceStore;
import io.submarine.mlflow.artifacts.ArtifactTree;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;

/** The running service: Vert.x serving the routes over the database. */
public final class MetastoreServer implements AutoCloseable {

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
    public java.util.Set<String> routes() {
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
    public record Tls(java.nio.file.Path certFile, java.nio.file.Path keyFile) {}

    /**
     * Where MLflow's artifacts are kept ({@code mlflow-artifacts:/<path>} is {@code destination/<path>}),
     * and the local directory an upload is received into before it goes there.
     */
    public record Artifacts(Location destination, java.nio.file.Path uploads) {
        /** Both in a new temporary directory: for a server embedded in a test or a tool. */
        public static Artifacts temporary() throws java.io.IOException {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("metastore-artifacts");
            return new Artifacts(Location.of(dir.resolve("mlflow-artifacts").toUri().toString()), dir.resolve("uploads"));
        }
    }

    public static MetastoreServer start(Database database, Optional<Tokens> tokens, String host, int port, long maxBodyBytes) throws Exception {
        return start(database, tokens, host, port, maxBodyBytes, Optional.empty(), BlobStores.load(StorageConfig.empty()), Artifacts.temporary());
    }

    /**
     * @param storage where logs are read back from and artifacts kept: the same settings the programs ship with
     */
    public static MetastoreServer start(Database database, Optional<Tokens> tokens, String host, int port, long maxBodyBytes, Optional<Tls> tls,
            BlobStore storage, Artifacts artifacts) throws Exception {
        io.vertx.core.http.HttpServerOptions options = new io.vertx.core.http.HttpServerOptions();
        tls.ifPresent(t -> options.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                .setCertPath(t.certFile().toString()).setKeyPath(t.keyFile().toString())));
        Vertx vertx = Vertx.vertx();
        try {
            DataSource data = database.dataSource();
            MetricStore metrics = new MetricStore(data);
            ReportStore reports = new ReportStore(data, metrics);
            PrometheusRegistry registry = new PrometheusRegistry();
            MlflowStore mlflow = new MlflowStore(data, metrics);
            Router router = new ApiRouter(vertx, database::reachable, new Access(tokens)::authenticate, registry, maxBodyBytes, List.of(MlflowRoutes.PREFIX),
                    MlflowArtifactRoutes::streamsBody)
                    .router(List.of(new ReportRoutes(vertx, reports, registry, Map.of(MlflowCalls.KIND, new MlflowCalls(mlflow))), new MetricRoutes(vertx, metrics),
                            new LogRoutes(vertx, reports, new LogReader(storage)), new ResourceRoutes(vertx, new ResourceStore(data)), new MlflowRoutes(vertx, mlflow),
                            new LoggedModelRoutes(vertx, mlflow), new MlflowArtifactRoutes(vertx, new ArtifactTree(storage, artifacts.destination()), artifacts.uploads())));
            HttpServer server = vertx.createHttpServer(options).requestHandler(router).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get();
            return new MetastoreServer(vertx, database, server, router, storage);
        } catch (ExecutionException e) {
            vertx.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    public int port() {
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
