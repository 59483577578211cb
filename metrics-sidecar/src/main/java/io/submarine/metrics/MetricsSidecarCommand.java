package io.submarine.metrics;

import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.MetastoreEndpoint;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metrics.ship.EventShipper;
import io.submarine.metrics.tracking.TrackingEndpoint;
import io.submarine.sidecar.cli.Env;
import io.submarine.sidecar.health.HealthServer;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.ProgramException;
import io.submarine.sidecar.lifecycle.TerminationMessage;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The flags of the metrics sidecar; each also has an environment variable (see --help). */
@Command(name = "metrics-sidecar", mixinStandardHelpOptions = true, version = "metrics-sidecar 0.1.0", sortOptions = false,
        description = {
            "Ships the TensorFlow event files under --logdir (any file whose name contains 'tfevents', at any depth) to blob storage "
                    + "while the task writes them, under <storage-uri>/<namespace>/<owner-kind>/<owner-name>/<pod>/<pod-uid>/tfevents/, "
                    + "where TensorBoard reads them as it reads the local logdir: each file as pieces cut at record boundaries, "
                    + "uploaded once each, exactly once across restarts. Reports each scalar to the metastore (--metastore-url) and "
                    + "shows the latest on /metrics. On SIGTERM it ships what is left within --shutdown-deadline and writes _COMPLETE.",
            "Serves MLflow's tracking API to the task on 127.0.0.1:--tracking-port: each call is journaled on the pod's volume "
                    + "before it is answered, and forwarded to the metastore in order, once, whether the metastore is up or not.",
            ""})
final class MetricsSidecarCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsSidecarCommand.class);

    private final Map<String, String> environment;

    MetricsSidecarCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Env("SUBMARINE_STORAGE_URI")
    @Option(names = "--storage-uri", required = true, description = "Root of the remote layout: s3://bucket/prefix, hdfs://nn/path, gs://, abfss://, file://.")
    String storageUri;

    @Option(names = "--logdir", required = true, description = "The task's TensorBoard logdir; runs are its subdirectories, at any depth.")
    Path logdir;

    @Option(names = "--work-dir", defaultValue = "/submarine/metrics-sidecar", description = "What was reported and the reports waiting for the "
            + "metastore, on a volume that outlives the container (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--flush-interval", defaultValue = "30s", description = "How often what was written is shipped: TensorBoard on storage "
            + "is this much behind the local files, plus a few seconds (default: ${DEFAULT-VALUE}).")
    Duration flushInterval;

    @Option(names = "--poll-interval", defaultValue = "1s", description = "How often the event files are checked for new records; new files and runs are looked "
            + "for every 5 s, or every --flush-interval if shorter (default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--piece-bytes", defaultValue = "67108864", description = "A piece is shipped as soon as it has this many bytes, "
            + "before the next flush (default: 64 MiB).")
    long pieceBytes;

    @Option(names = "--max-series", defaultValue = "1000", description = "Most scalar series (run and tag) shown on /metrics; the rest are "
            + "counted in metrics_sidecar_dropped_series (default: ${DEFAULT-VALUE}).")
    int maxSeries;

    @Option(names = "--shutdown-deadline", defaultValue = "25s", description = "On SIGTERM, ship everything within this; keep it below the pod's grace period (default: ${DEFAULT-VALUE}).")
    Duration shutdownDeadline;

    @Option(names = "--health-address", defaultValue = "0.0.0.0", description = "Address of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
    String healthAddress;

    @Option(names = "--health-port", defaultValue = "8091", description = "Port of /healthz, /readyz and /metrics; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int healthPort;

    @Option(names = "--tracking-port", defaultValue = "5000", description = "Port of the MLflow tracking endpoint for the task "
            + "(MLFLOW_TRACKING_URI=http://127.0.0.1:<port>); 0 picks a free one, -1 serves none (default: ${DEFAULT-VALUE}).")
    int trackingPort;

    @Option(names = "--tracking-address", defaultValue = "127.0.0.1", description = "Address of the MLflow tracking endpoint: the pod's loopback, "
            + "where only its containers reach it (default: ${DEFAULT-VALUE}).")
    String trackingAddress;

    @Option(names = "--journal-dir", description = "Where the tracking endpoint journals each call before it answers, on a volume that outlives "
            + "the container (default: <work-dir>/tracking).")
    Path journalDir;

    @Option(names = "--journal-limit", defaultValue = "268435456", description = "Most bytes of tracking calls waiting for the metastore; beyond it "
            + "calls are answered 503 and the MLflow client retries (default: 256 MiB).")
    long journalLimit;

    @Option(names = "--artifacts-destination", description = "Where the artifacts the task logs through the tracking endpoint go "
            + "(mlflow-artifacts:/<path> is <this>/<path>); the metastore's --artifacts-destination, so that it serves them back "
            + "(default: <storage-uri>/mlflow-artifacts).")
    String artifactsDestination;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A storage setting, e.g. s3.endpoint=http://minio:9000 (also SUBMARINE_STORAGE_<BACKEND>_<NAME>).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Env("SUBMARINE_METASTORE_URL")
    @Option(names = "--metastore-url", description = "Report each scalar and each shipped piece to this metastore (e.g. http://metastore:8080).")
    URI metastoreUrl;

    @Env("SUBMARINE_METASTORE_TOKEN_FILE")
    @Option(names = "--metastore-token-file", description = "File with the bearer token for the metastore (role reporter).")
    Path metastoreTokenFile;

    @Override
    public Integer call() throws Exception {
        validate();
        PodIdentity identity = identity();
        Location podRoot = podRoot(identity);
        MetastoreEndpoint endpoint = metastoreEndpoint();
        MetastoreClient metastore = endpoint == null ? null : endpoint.sidecarClient(workDir.resolve("metastore-spool"));
        BlobStores store = BlobStores.load(StorageConfig.fromEnvironment(environment).with(settings).withSecretSink(Redactor.global()::register));
        EventShipper shipper = new EventShipper(new EventShipper.Settings(logdir, pollInterval, flushInterval, pieceBytes, maxSeries), store,
                podRoot, metastore, identity, workDir, Clock.systemUTC());
        TrackingEndpoint tracking = tracking(endpoint, identity, store, podRoot.resolve("tracking"), shipper.metrics().registry());
        // Stopped by SIGTERM: the exit code says whether everything was shipped.
        Thread shutdown = new Thread(() -> Runtime.getRuntime().halt(finish(shipper, tracking).code()), "shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        HealthServer health;
        try {
            health = HealthServer.start(healthAddress, healthPort, shipper.metrics().registry());
        } catch (BindException e) {
            throw config("cannot serve health on " + healthAddress + ":" + healthPort + " (--health-address, --health-port): " + e.getMessage());
        }
        health.addReadinessCheck(new HealthServer.ReadinessCheck("storage", () -> shipper.recovered() ? null : "finding where shipping stands in storage"));
        LOG.info("metrics-sidecar serving /healthz, /readyz and /metrics on port {}", health.port());
        try {
            shipper.recover();
        } catch (IOException | RuntimeException refused) {
            // Storage refused to list (configuration, credentials): the program's exit code says why, not the hook's.
            Runtime.getRuntime().removeShutdownHook(shutdown);
            health.close();
            throw refused;
        }
        shipper.start();
        LOG.info("shipping the event files under {} to {}", logdir, podRoot.resolve("tfevents"));
        // Until SIGTERM: the shutdown hook ships what is left and ends the process with its exit code.
        new CountDownLatch(1).await();
        return 0;
    }

    /**
     * The MLflow endpoint, with a client for the metastore of its own: it delivers or waits, and
     * never spools (the journal keeps the calls in order); null when --tracking-port is -1.
     */
    private TrackingEndpoint tracking(MetastoreEndpoint endpoint, PodIdentity identity, BlobStores store, Location trackingRoot,
            io.prometheus.metrics.model.registry.PrometheusRegistry registry) throws IOException {
        if (trackingPort < 0) {
            return null;
        }
        Path journal = journalDir != null ? journalDir : workDir.resolve("tracking");
        MetastoreClient forwarding = endpoint == null ? null : endpoint.sidecarClient(journal.resolve("unused-spool"));
        try {
            return TrackingEndpoint.start(new TrackingEndpoint.Settings(trackingAddress, trackingPort, journal, journalLimit, Duration.ofSeconds(2), store,
                    artifactsRoot(), Location.of(storageUri).asDirectory().resolve("models"), trackingRoot),
                    forwarding, endpoint, identity, Clock.systemUTC(), registry);
        } catch (BindException e) {
            throw config("cannot serve MLflow tracking on " + trackingAddress + ":" + trackingPort + " (--tracking-address, --tracking-port): " + e.getMessage());
        }
    }

    /** Ships what is left and forwards what the task logged; the exit code says whether it all made it. */
    private ExitCode finish(EventShipper shipper, TrackingEndpoint tracking) {
        long start = System.nanoTime();
        EventShipper.Outcome outcome = shipper.shutdown(shutdownDeadline);
        if (tracking != null) {
            try {
                tracking.close(shutdownDeadline.minusNanos(System.nanoTime() - start));
                if (tracking.backlogBytes() > 0) {
                    LOG.warn("{} bytes of tracking calls did not reach the metastore by the deadline; they stay in the journal and go at the next start",
                            tracking.backlogBytes());
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("closing the tracking journal failed: {}", e.toString());
            }
        }
        if (outcome.complete()) {
            LOG.info("shipped everything; metrics-sidecar stops");
            return ExitCode.OK;
        }
        LOG.error("{}", outcome.problem());
        try {
            TerminationMessage.of(environment).write(outcome.exitCode().meaning() + ": " + outcome.problem());
        } catch (IOException | RuntimeException notInAPod) {
            LOG.debug("no termination message written: {}", notInAPod.toString());
        }
        return outcome.exitCode();
    }

    private void validate() {
        if (flushInterval.isNegative() || flushInterval.isZero() || pollInterval.isNegative() || pollInterval.isZero()
                || shutdownDeadline.isNegative() || shutdownDeadline.isZero()) {
            throw config("--flush-interval, --poll-interval and --shutdown-deadline must be positive");
        }
        if (pieceBytes < 1024) {
            throw config("--piece-bytes must be at least 1024");
        }
        if (journalLimit < 0) {
            throw config("--journal-limit must not be negative");
        }
        if (maxSeries < 0) {
            throw config("--max-series must not be negative");
        }
        if (Files.exists(logdir) && !Files.isDirectory(logdir)) {
            throw config("--logdir " + logdir + " is not a directory");
        }
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw config("--work-dir " + workDir + " cannot be used: " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    private PodIdentity identity() {
        try {
            return PodIdentity.fromEnvironment(environment, "metrics-sidecar");
        } catch (IllegalArgumentException e) {
            throw config("the remote layout needs the pod's identity from the downward API: " + e.getMessage());
        }
    }

    private Location artifactsRoot() {
        try {
            return artifactsDestination != null ? Location.of(artifactsDestination) : Location.of(storageUri).asDirectory().resolve("mlflow-artifacts");
        } catch (IllegalArgumentException e) {
            throw config("--artifacts-destination: " + e.getMessage());
        }
    }

    private Location podRoot(PodIdentity identity) {
        try {
            return Location.of(storageUri).asDirectory().resolve(identity.remotePrefix());
        } catch (IllegalArgumentException e) {
            throw config("--storage-uri: " + e.getMessage());
        }
    }

    private MetastoreEndpoint metastoreEndpoint() {
        if (metastoreUrl == null) {
            return null;
        }
        MetastoreEndpoint endpoint;
        try {
            endpoint = MetastoreEndpoint.of(metastoreUrl, metastoreTokenFile);
        } catch (IllegalArgumentException e) {
            throw config(e.getMessage());
        }
        endpoint.token().ifPresent(Redactor.global()::register);
        return endpoint;
    }

    private static ProgramException config(String message) {
        return new ProgramException(ExitCode.CONFIG, message);
    }
}
