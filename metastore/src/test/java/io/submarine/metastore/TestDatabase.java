package io.submarine.metastore;

import io.submarine.metastore.auth.Tokens;
import io.submarine.metastore.db.Database;
import io.submarine.storage.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The databases the API suites run on, each with one metastore serving it, started when a suite
 * first asks and shared by every suite of the test run (a PostgreSQL or MariaDB server takes
 * seconds to start); stopped when the JVM exits. Tokens: {@link #REPORTER}, {@link #READER},
 * {@link #ADMIN}; bodies up to 64 KiB, so the 413 is cheap to reach.
 */
public enum TestDatabase {
    H2, POSTGRESQL, MARIADB;

    public static final String REPORTER = "reporter-token-1";
    public static final String READER = "reader-token-2";
    public static final String ADMIN = "admin-token-3";

    private Database database;
    private MetastoreServer server;
    private String jdbcUrl;

    /** The metastore on this database, started on first use. */
    public synchronized MetastoreServer server() throws Exception {
        if (server == null) {
            // Not @TempDir: PostgreSQL runs as another user, which needs to own the directory; and it outlives any one suite.
            Path dir = Files.createTempDirectory("metastore-" + name().toLowerCase(java.util.Locale.ROOT));
            AutoCloseable databaseServer = switch (this) {
                case H2 -> null;
                case POSTGRESQL -> PostgresServer.start(dir.resolve("cluster"));
                case MARIADB -> MariaDbServer.start(dir.resolve("server"));
            };
            jdbcUrl = databaseServer instanceof PostgresServer postgres ? postgres.jdbcUrl()
                    : databaseServer instanceof MariaDbServer mariadb ? mariadb.jdbcUrl() : null;
            database = switch (this) {
                case H2 -> Database.embedded(dir);
                case POSTGRESQL -> Database.open(jdbcUrl, "submarine", "");
                case MARIADB -> Database.open(jdbcUrl, MariaDbServer.USER, MariaDbServer.PASSWORD);
            };
            Path tokens = Files.writeString(dir.resolve("tokens"), "reporter " + REPORTER + "\nreader " + READER + "\nadmin " + ADMIN + "\n");
            server = MetastoreServer.start(database, Optional.of(Tokens.read(tokens)), "127.0.0.1", 0, 64 * 1024);
            MetastoreServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(started, databaseServer, dir), "stop-" + name()));
        }
        return server;
    }

    /** The JDBC URL of the database server under {@link #server()}; null for the embedded H2. */
    public synchronized String jdbcUrl() throws Exception {
        server();
        return jdbcUrl;
    }

    /** The database under {@link #server()}, to reach past the API (a concurrent transaction, say). */
    public synchronized Database database() throws Exception {
        server();
        return database;
    }

    private static void stop(MetastoreServer server, AutoCloseable databaseServer, Path dir) {
        try {
            server.close();
            if (databaseServer != null) {
                databaseServer.close();
            }
            Fixtures.deleteTree(dir);
        } catch (Exception e) {
            System.err.println("stopping the test database failed: " + e);
        }
    }
}
