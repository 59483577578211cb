package io.submarine.metastore;

import io.submarine.metastore.auth.Tokens;
import io.submarine.metastore.db.Database;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.Program;
import io.submarine.sidecar.lifecycle.ShutdownDeadline;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code metastore}: the service's entry point and flags. */
@Command(name = "metastore", mixinStandardHelpOptions = true, version = "metastore 0.1.0",
        description = "Records what the programs report. Embedded H2 under --data-dir by default; PostgreSQL or MariaDB/MySQL with --jdbc-url.")
public final class Metastore implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(Metastore.class);

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 in a pod).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", defaultValue = "./data", description = "Where the embedded H2 database lives (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--jdbc-url", description = "A PostgreSQL (jdbc:postgresql://…) or MariaDB/MySQL (jdbc:mariadb://…) database instead of the embedded one.")
    String jdbcUrl;

    @Option(names = "--jdbc-user", defaultValue = "submarine", description = "Database user (default: ${DEFAULT-VALUE}).")
    String jdbcUser;

    @Option(names = "--jdbc-password-file", description = "File with the database password.")
    Path jdbcPasswordFile;

    @Option(names = "--token-file", description = "File of '<role> <token>' lines (roles: reporter, reader, admin). Without it every request is admin: only for a single-user machine.")
    Path tokenFile;

    @Option(names = "--tls-cert-file", description = "Serve HTTPS with this PEM certificate chain (with --tls-key-file).")
    Path tlsCertFile;

    @Option(names = "--tls-key-file", description = "The PEM private key of --tls-cert-file.")
    Path tlsKeyFile;

    @Option(names = "--max-body-bytes", defaultValue = "8388608", description = "Largest request body (default: 8 MiB).")
    long maxBodyBytes;

    @Option(names = "--artifacts-destination", description = "Where MLflow's artifacts are kept, as mlflow server's flag of that name: "
            + "mlflow-artifacts:/<path> is <this>/<path>; give the metrics sidecars the same (default: <data-dir>/mlflow-artifacts).")
    String artifactsDestination;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A storage setting for reading logs back, e.g. s3.endpoint=http://minio:9000 "
            + "(also SUBMARINE_STORAGE_<BACKEND>_<NAME>); the same the programs ship with.")
    java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        validate();
        // Every secret read from a file is masked in whatever is logged from here on.
        Optional<Tokens> tokens = tokenFile == null ? Optional.empty() : Optional.of(Tokens.read(tokenFile, Redactor.global()::register));
        if (tokens.isEmpty()) {
            LOG.warn("no --token-file: every request is treated as admin");
        }
        String jdbcPassword = jdbcPasswordFile == null ? "" : Files.readString(jdbcPasswordFile, StandardCharsets.UTF_8).strip();
        Redactor.global().register(jdbcPassword);
        Optional<MetastoreServer.Tls> tls = tlsCertFile == null ? Optional.empty() : Optional.of(new MetastoreServer.Tls(tlsCertFile, tlsKeyFile));
        BlobStores storage = BlobStores.load(StorageConfig.fromEnvironment(System.getenv()).with(settings)
                .withSecretSink(Redactor.global()::register));
        Database database = jdbcUrl == null ? Database.embedded(dataDirectory()) : Database.open(jdbcUrl, jdbcUser, jdbcPassword);
        MetastoreServer server;
        try {
            server = MetastoreServer.start(database, tokens, host, port, maxBodyBytes, tls, storage, artifacts());
        } catch (BindException e) {
            database.close();
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + " (--host, --port): " + e.getMessage(), e);
        }
        LOG.info("metastore listening on {}:{}", host, server.port());
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownDeadline shutdown = new ShutdownDeadline(Duration.ofSeconds(20), Clock.systemUTC());
        shutdown.register("stop serving and close the database", () -> {
            server.close();
            LOG.info("metastore stopped: no longer serving, database closed");
            stopped.countDown();
        });
        shutdown.installHook();
        stopped.await();
        return ExitCode.OK.code();
    }

    /** The flags that can be checked before anything starts, each failure naming its flag. */
    private void validate() {
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("give both --tls-cert-file and --tls-key-file, or neither");
        }
        readable("--token-file", tokenFile);
        readable("--jdbc-password-file", jdbcPasswordFile);
        readable("--tls-cert-file", tlsCertFile);
        readable("--tls-key-file", tlsKeyFile);
    }

    private static void readable(String flag, Path file) {
        if (file != null && !(Files.isRegularFile(file) && Files.isReadable(file))) {
            throw new IllegalArgumentException(flag + " " + file + " is not a readable file");
        }
    }

    private MetastoreServer.Artifacts artifacts() {
        Path data = dataDirectory().toAbsolutePath().normalize();
        try {
            Location destination = artifactsDestination == null ? Location.of(data.resolve("mlflow-artifacts").toUri().toString())
                    : Location.of(artifactsDestination);
            return new MetastoreServer.Artifacts(destination, data.resolve("uploads"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--artifacts-destination: " + e.getMessage(), e);
        }
    }

    private Path dataDirectory() {
        try {
            return Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalArgumentException("--data-dir " + dataDir + " cannot be made: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the service until it is stopped, or fails; returns the exit code. */
    static int run(String... args) {
        return new Program("METASTORE", System.getenv(), Metastore::exitCodeOf).run(new Metastore(), args);
    }

    /**
     * A database that refuses the login (SQLSTATE class 28) exits 4, one that cannot be reached
     * or fails otherwise 3; the pool wraps the driver's exception, so the causes are searched.
     */
    private static ExitCode exitCodeOf(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql.getSQLState() != null && sql.getSQLState().startsWith("28") ? ExitCode.AUTH : ExitCode.UNREACHABLE;
            }
        }
        return e instanceof IllegalArgumentException ? ExitCode.CONFIG : null;
    }
}
