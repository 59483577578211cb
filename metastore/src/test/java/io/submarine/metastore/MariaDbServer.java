package io.submarine.metastore;

import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A throw-away MariaDB server: {@code mariadb-install-db} in a temporary directory,
 * {@code mariadbd} on a free loopback port, and a database {@code metastore} owned by the user
 * {@code submarine} with a password, as production would have it. MariaDB runs as root only
 * when told {@code --user=root}.
 */
public final class MariaDbServer implements AutoCloseable {

    static final String DATABASE = "metastore";
    public static final String USER = "submarine";
    public static final String PASSWORD = "s3cret-for-tests";

    private final ExternalServer server;
    private final int port;

    private MariaDbServer(ExternalServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static MariaDbServer start(Path dir) throws Exception {
        if (Fixtures.onPath("mariadb-install-db").isEmpty() || !Files.isExecutable(Path.of("/usr/sbin/mariadbd"))) {
            Fixtures.unavailable("MariaDB not found (apt-get install mariadb-server; .ci/run does)");
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        Path socket = dir.resolve("mariadb.sock");
        List<String> asUser = "root".equals(System.getProperty("user.name")) ? List.of("--user=root") : List.of();
        Fixtures.run(with(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
                "--skip-test-db"), asUser));
        int port = Fixtures.freePort();
        ExternalServer server = new ExternalServer("mariadb", with(List.of("/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + data,
                "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + socket, "--skip-name-resolve",
                "--innodb-flush-log-at-trx-commit=2", "--log-error=" + dir.resolve("mariadb.err")), asUser),
                Map.of(), port, dir.resolve("mariadb.log"), Duration.ofSeconds(60));
        server.start();
        try {
            Fixtures.run(List.of("mariadb", "--no-defaults", "--socket=" + socket, "--user=root", "-e",
                    "CREATE DATABASE " + DATABASE + "; CREATE USER '" + USER + "'@'127.0.0.1' IDENTIFIED BY '" + PASSWORD + "';"
                            + " GRANT ALL ON " + DATABASE + ".* TO '" + USER + "'@'127.0.0.1';"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        return new MariaDbServer(server, port);
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE;
    }

    private static List<String> with(List<String> command, List<String> more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(more);
        return all;
    }

    @Override
    public void close() {
        server.close();
    }
}
