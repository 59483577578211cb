package io.submarine.metastore;

import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster: {@code initdb} in a temporary directory, {@code postgres} on a
 * free loopback port, trust authentication. PostgreSQL refuses to run as root, so as root it
 * runs as the {@code postgres} user that Debian's package creates.
 */
public final class PostgresServer implements AutoCloseable {

    private final ExternalServer server;
    private final int port;

    private PostgresServer(ExternalServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static PostgresServer start(Path dir) throws Exception {
        Optional<Path> bin = binDir();
        if (bin.isEmpty()) {
            Fixtures.unavailable("PostgreSQL's initdb not found (apt-get install postgresql; .ci/run does)");
        }
        Path data = dir.resolve("pgdata");
        Files.createDirectories(dir);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(dir, postgres);
            // The directories above must be traversable by that user.
            for (Path p = dir.getParent(); p != null; p = p.getParent()) {
                p.toFile().setExecutable(true, false);
            }
        }
        Fixtures.run(asPostgres(root, bin.get().resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "submarine", "--no-sync", "-E", "UTF8"));
        int port = Fixtures.freePort();
        ExternalServer server = new ExternalServer("postgres", asPostgres(root, bin.get().resolve("postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"),
                Map.of(), port, dir.resolve("postgres.log"), Duration.ofSeconds(60));
        server.start();
        return new PostgresServer(server, port);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private static List<String> asPostgres(boolean root, String... command) {
        List<String> all = new ArrayList<>();
        if (root) {
            all.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        all.addAll(List.of(command));
        return all;
    }

    private static Optional<Path> binDir() throws IOException {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(java.util.Comparator.naturalOrder());
                if (newest.isPresent()) {
                    return newest;
                }
            }
        }
        return Fixtures.onPath("initdb").map(Path::getParent);
    }

    @Override
    public void close() {
        server.close();
    }
}
