package io.submarine.metastore;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/** The running service: Vert.x serving the routes over the database. */
final class MetastoreServer implements AutoCloseable {

    private final Vertx vertx;
    private final Database database;
    private final HttpServer server;

    private MetastoreServer(Vertx vertx, Database database, HttpServer server) {
        this.vertx = vertx;
        this.database = database;
        this.server = server;
    }

    static MetastoreServer start(Database database, Optional<Tokens> tokens, String host, int port, long maxBodyBytes) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            ApiRouter api = new ApiRouter(vertx, new ReportStore(database.dataSource()), tokens, maxBodyBytes);
            HttpServer server = vertx.createHttpServer().requestHandler(api.router()).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get();
            return new MetastoreServer(vertx, database, server);
        } catch (ExecutionException e) {
            vertx.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
        database.close();
    }
}
