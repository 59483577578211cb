package io.submarine.logshipper;

import io.submarine.logsegment.SegmentFormat;
import io.submarine.logshipper.ship.Checkpoint;
import io.submarine.logshipper.ship.LogStream;
import io.submarine.logshipper.ship.Recovery;
import io.submarine.logshipper.ship.SegmentReporter;
import io.submarine.logshipper.ship.Shipper;
import io.submarine.logshipper.ship.ShipperMetrics;
import io.submarine.logshipper.ship.Spool;
import io.submarine.logshipper.ship.StreamState;
import io.submarine.logshipper.ship.Uploader;
import io.submarine.logshipper.source.FileGroup;
import io.submarine.logshipper.source.ContainerLogs;
import io.submarine.logshipper.source.FileSources;
import io.submarine.logshipper.source.KubeApi;
import io.submarine.logshipper.source.LineGrouping;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.MetastoreEndpoint;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.sidecar.cli.Env;
import io.submarine.sidecar.health.HealthServer;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.ProgramException;
import io.submarine.sidecar.lifecycle.TempDirectory;
import io.submarine.sidecar.lifecycle.TerminationMessage;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The flags of the log shipper; each also has an environment variable (see --help). */
@Command(name = "log-shipper", mixinStandardHelpOptions = true, version = "log-shipper 0.1.0", sortOptions = false,
        description = {
            "Ships every line of the pod's log files (--files) and of its containers' stdout and stderr (--containers) to blob "
                    + "storage, exactly once, as compressed segments under "
                    + "<storage-uri>/<namespace>/<owner-kind>/<owner-name>/<pod>/<pod-uid>/logs/<stream>/<restart>/. On SIGTERM it ships "
                    + "what is left within --shutdown-deadline and writes _COMPLETE with the totals.",
            ""})
final class LogShipperCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LogShipperCommand.class);

    private final Map<String, String> environment;

    LogShipperCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Env("SUBMARINE_STORAGE_URI")
    @Option(names = "--storage-uri", required = true, description = "Root of the remote layout: s3://bucket/prefix, hdfs://nn/path, gs://, abfss://, file://.")
    String storageUri;

    @Option(names = "--files", paramLabel = "NAME=GLOB", description = "Log files to ship as stream NAME, e.g. main=/var/log/app/*.log; repeat for more groups. "
            + "The glob should match the live files only, not their rotated names.")
    Map<String, String> files = new LinkedHashMap<>();

    @Option(names = "--containers", split = ",", paramLabel = "NAME", description = "Containers of this pod whose stdout and stderr to ship, from the Kubernetes API "
            + "(pods/log), each as stream NAME, one directory per restart.")
    List<String> containers = new ArrayList<>();

    @Option(names = "--exit-when-done", description = "Stop (after shipping everything) once every --containers container has terminated: "
            + "for a classic sidecar. A native sidecar (init container with restartPolicy Always) is stopped by the kubelet instead.")
    boolean exitWhenDone;

    @Option(names = "--kube-api-url", description = "The Kubernetes API (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT).")
    URI kubeApiUrl;

    @Option(names = "--kube-token-file", defaultValue = "/var/run/secrets/kubernetes.io/serviceaccount/token", description = "The service account's token (default: ${DEFAULT-VALUE}).")
    Path kubeTokenFile;

    @Option(names = "--kube-ca-file", defaultValue = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", description = "The API server's CA (default: ${DEFAULT-VALUE}).")
    Path kubeCaFile;

    @Option(names = "--work-dir", defaultValue = "/submarine/log-shipper", description = "Checkpoint and spool, on a volume that outlives the container (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--segment-bytes", defaultValue = "67108864", description = "Close a segment at this many uncompressed bytes (default: 64 MiB).")
    long segmentBytes;

    @Option(names = "--segment-age", defaultValue = "60s", description = "Close a segment this long after its first line: 90s, 5m or ISO-8601 (PT5M) (default: ${DEFAULT-VALUE}).")
    Duration segmentAge;

    @Option(names = "--compression", defaultValue = "zstd", description = "zstd or gzip (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--spool-limit", defaultValue = "1073741824", description = "Most compressed bytes waiting for upload; reading pauses beyond it (default: 1 GiB).")
    long spoolLimit;

    @Option(names = "--max-line-bytes", defaultValue = "16777216", description = "A longer line is shipped in pieces (default: 16 MiB).")
    int maxLineBytes;

    @Option(names = "--poll-interval", defaultValue = "250ms", description = "How often quiet files are checked for new lines (default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--sync-interval", defaultValue = "1s", description = "How often what was read is forced to the spool on --work-dir, with "
            + "where each file stands: a restart reads again at most this much (default: ${DEFAULT-VALUE}).")
    Duration syncInterval;

    @Option(names = "--start-at", defaultValue = "beginning", description = "On the first start with an empty --work-dir: 'beginning' ships "
            + "the files and their rotated siblings already there, oldest first; 'end' only what is written from now on (default: ${DEFAULT-VALUE}).")
    String startAt;

    @Option(names = "--rotated-glob", paramLabel = "GLOB", description = "File names, beside a followed file, that are its rotated "
            + "siblings besides those whose name starts with its own (app.log.1, app.log-20261207.gz): e.g. 'app.*.log' for log4j's app.2026-12-07.log.")
    String rotatedGlob;

    @Option(names = "--rotate-wait", defaultValue = "5s", description = "After a file is renamed or deleted away, how long to wait for its writer's last lines (default: ${DEFAULT-VALUE}).")
    Duration rotateWait;

    @Option(names = "--multiline-pattern", paramLabel = "REGEX", description = "Files: lines whose start matches belong to the line before "
            + "(e.g. '\\s|Caused by:' for Java stack traces); such records are never split across segments and count as one line in the index.")
    java.util.regex.Pattern multilinePattern;

    @Option(names = "--multiline-wait", defaultValue = "1s", description = "A last record is shipped after this long without a new line (default: ${DEFAULT-VALUE}).")
    Duration multilineWait;

    @Option(names = "--shutdown-deadline", defaultValue = "25s", description = "On SIGTERM, ship everything within this; keep it below the pod's grace period (default: ${DEFAULT-VALUE}).")
    Duration shutdownDeadline;

    @Option(names = "--health-address", defaultValue = "0.0.0.0", description = "Address of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
    String healthAddress;

    @Option(names = "--health-port", defaultValue = "8090", description = "Port of /healthz, /readyz and /metrics; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int healthPort;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A storage setting, e.g. s3.endpoint=http://minio:9000 (also SUBMARINE_STORAGE_<BACKEND>_<NAME>).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Env("SUBMARINE_METASTORE_URL")
    @Option(names = "--metastore-url", description = "Report each committed segment to this metastore (e.g. http://metastore:8080).")
    URI metastoreUrl;

    @Env("SUBMARINE_METASTORE_TOKEN_FILE")
    @Option(names = "--metastore-token-file", description = "File with the bearer token for the metastore (role reporter).")
    Path metastoreTokenFile;

    @Override
    public Integer call() throws Exception {
        validate();
        TempDirectory.fallBackTo(workDir.resolve("tmp")); // zstd's native code unpacks there
        PodIdentity identity = identity();
        SegmentFormat format = SegmentFormat.of(compression);
        Location podRoot = podRoot(identity);
        Spool spool = spool();
        Checkpoint checkpoint = Checkpoint.load(workDir.resolve("checkpoint.json"));
        ShipperMetrics metrics = new ShipperMetrics();
        MetastoreClient metastore = metastore();
        SegmentReporter reporter = metastore == null ? null : new SegmentReporter(metastore, identity);
        BlobStores store = BlobStores.load(StorageConfig.fromEnvironment(environment).with(settings)
                .withSecretSink(Redactor.global()::register));
        Uploader uploader = new Uploader(store, new RetryPolicy(8, Duration.ofMillis(200), Duration.ofSeconds(10)), spoolLimit, metrics,
                reporter != null ? reporter : (stream, location, index) -> { });
        Shipper shipper = new Shipper(uploader, checkpoint, store, segmentAge, syncInterval, Clock.systemUTC());
        ExecutorService recovering = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "recovery");
            thread.setDaemon(true);
            return thread;
        });
        ContainerLogs.Streams streams = (name, restart) -> {
            String key = name + "/" + restart;
            Location directory = podRoot.resolve("logs/" + key);
            // A stream this work directory never shipped (a new pod) is read at once, while
            // storage's client starts and lists; the uploader waits for that listing.
            boolean fresh = !checkpoint.has(key);
            Spool.Recovered local = spool.recover(key, checkpoint.get(key), checkpoint::save);
            StreamState start = fresh ? StreamState.EMPTY : resume(store, directory, local.state());
            // Storage ahead of the work directory (or a new pod) leaves what the spool holds behind.
            boolean fromSpool = start == local.state();
            if (!fromSpool) {
                local.discard();
            }
            LogStream stream = new LogStream(name, restart, directory, format, spool.directory(), segmentBytes, Clock.systemUTC(), start,
                    fromSpool ? local.open() : null, uploader::enqueue, checkpoint::save);
            if (fromSpool) {
                local.sealed().forEach(segment -> uploader.enqueue(stream, segment, stream.generation()));
            }
            if (fresh) {
                uploader.recoverFirst(stream, recovering.submit(() -> resume(store, directory, StreamState.EMPTY)));
            }
            shipper.register(stream);
            LOG.info("stream {} goes to {}, from segment {}", stream.key(), directory, start.nextSequence());
            return stream;
        };
        // --start-at applies to a first start only: afterwards the checkpoint says where each file stands.
        boolean startAtEnd = "end".equals(startAt) && files.keySet().stream().noneMatch(name -> checkpoint.has(name + "/0"));
        Map<FileGroup, LogStream> groups = new LinkedHashMap<>();
        for (Map.Entry<String, String> group : files.entrySet()) {
            groups.put(FileGroup.parse(group.getKey(), group.getValue()), streams.open(group.getKey(), 0));
        }
        FileSources fileSources = new FileSources(groups, metrics, uploader, maxLineBytes, pollInterval, rotateWait,
                multilinePattern == null ? LineGrouping.eachLine() : LineGrouping.continuationLines(multilinePattern), multilineWait, rotatedNames(),
                startAtEnd);
        shipper.add(fileSources);
        ContainerLogs containerLogs = null;
        if (!containers.isEmpty()) {
            containerLogs = new ContainerLogs(kubeApi(identity), containers, streams, metrics, uploader, Duration.ofSeconds(1), maxLineBytes);
            shipper.add(containerLogs);
        }
        metrics.gauges(uploader::spoolBytes, () -> uploader.spoolFull() ? 1 : 0, shipper::lagSeconds);
        HealthServer health;
        try {
            health = HealthServer.start(healthAddress, healthPort, metrics.registry());
        } catch (BindException e) {
            throw config("cannot serve health on " + healthAddress + ":" + healthPort + " (--health-address, --health-port): " + e.getMessage());
        }
        List<Supplier<Throwable>> failures = new ArrayList<>(List.of(uploader::recoveryFailure, fileSources::failure));
        if (containerLogs != null) {
            failures.add(containerLogs::failure);
        }
        health.addReadinessCheck(new HealthServer.ReadinessCheck("sources", () -> failure(failures) == null ? null : failure(failures).toString()));
        LOG.info("log-shipper serving /healthz, /readyz and /metrics on port {}", health.port());
        AtomicBoolean finished = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (finished.compareAndSet(false, true)) {
                // Stopped by SIGTERM: the exit code says whether everything was shipped.
                Runtime.getRuntime().halt(finish(shipper, reporter).code());
            }
        }, "shutdown"));
        fileSources.start();
        if (containerLogs != null) {
            containerLogs.start();
        }
        shipper.start();
        while (failure(failures) == null) {
            if (exitWhenDone && containerLogs != null && containerLogs.done() && finished.compareAndSet(false, true)) {
                LOG.info("every followed container has terminated; log-shipper stops (--exit-when-done)");
                ExitCode exit = finish(shipper, reporter);
                if (exit != ExitCode.OK) {
                    throw new ProgramException(exit, shipper.shutdown(shutdownDeadline).problem());
                }
                return 0;
            }
            Thread.sleep(200);
        }
        Throwable failure = failure(failures);
        if (failure instanceof StorageConfigException || failure instanceof BlobAccessDeniedException) {
            // Storage refused to list: nothing can be shipped, and what was read is read again on the next start.
            finished.set(true);
            throw (Exception) failure;
        }
        if (finished.compareAndSet(false, true)) {
            // Ship what was read before failing; the failure decides the exit code.
            finish(shipper, reporter);
        }
        if (failure instanceof KubeApi.KubeAccessDeniedException) {
            throw new ProgramException(ExitCode.AUTH, failure.getMessage(), failure);
        }
        throw new IOException("reading logs failed: " + failure.getMessage(), failure);
    }

    private static Throwable failure(List<Supplier<Throwable>> failures) {
        for (Supplier<Throwable> failure : failures) {
            if (failure.get() != null) {
                return failure.get();
            }
        }
        return null;
    }

    private KubeApi kubeApi(PodIdentity identity) throws IOException {
        URI server = kubeApiUrl;
        if (server == null) {
            String host = environment.get("KUBERNETES_SERVICE_HOST");
            String port = environment.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
            if (host == null) {
                throw config("--containers needs the Kubernetes API: set --kube-api-url, or run in a pod (KUBERNETES_SERVICE_HOST)");
            }
            server = URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
        }
        if (!Files.isReadable(kubeTokenFile) || !Files.isReadable(kubeCaFile)) {
            throw config("--containers needs the service account's token and CA files; cannot read " + kubeTokenFile + " or " + kubeCaFile);
        }
        return new KubeApi(server, kubeTokenFile, kubeCaFile, identity.namespace(), identity.pod());
    }

    /** Ships what is left; the exit code says whether it all made it. */
    private ExitCode finish(Shipper shipper, SegmentReporter reporter) {
        long start = System.nanoTime();
        Shipper.Outcome outcome = shipper.shutdown(shutdownDeadline);
        if (reporter != null) {
            try {
                reporter.flush(shutdownDeadline.minusNanos(System.nanoTime() - start));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (outcome.complete()) {
            LOG.info("shipped everything; log-shipper stops");
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

    /** Where the stream stands: the remote's last segment decides; if storage can't be asked now, the checkpoint does. */
    private static StreamState resume(BlobStores store, Location directory, StreamState checkpointed) throws IOException {
        try {
            return Recovery.resume(store, directory, checkpointed);
        } catch (StorageConfigException | BlobAccessDeniedException e) {
            throw e;
        } catch (IOException e) {
            LOG.warn("cannot list {} now ({}); resuming from the checkpoint, and from storage's own history if it differs on upload", directory, e.getMessage());
            return checkpointed;
        }
    }

    private void validate() {
        if (files.isEmpty() && containers.isEmpty()) {
            throw config("nothing to ship: give --files NAME=GLOB (e.g. --files main=/var/log/app/*.log) or --containers NAME,...");
        }
        for (String container : containers) {
            if (files.containsKey(container)) {
                throw config("'" + container + "' is both a file group and a container; each stream needs its own name");
            }
        }
        if (exitWhenDone && containers.isEmpty()) {
            throw config("--exit-when-done watches the --containers; name them");
        }
        if (segmentBytes < 1024 || spoolLimit < 2 * segmentBytes) {
            throw config("--segment-bytes must be at least 1024 and --spool-limit at least twice --segment-bytes");
        }
        if (segmentAge.isNegative() || segmentAge.isZero() || shutdownDeadline.isNegative() || shutdownDeadline.isZero() || pollInterval.isNegative()
                || pollInterval.isZero() || rotateWait.isNegative()) {
            throw config("--segment-age, --shutdown-deadline and --poll-interval must be positive");
        }
        if (syncInterval.isNegative() || syncInterval.isZero()) {
            throw config("--sync-interval must be positive");
        }
        if (!startAt.equals("beginning") && !startAt.equals("end")) {
            throw config("--start-at must be 'beginning' or 'end', got '" + startAt + "'");
        }
        rotatedNames();
        if (maxLineBytes < 1024) {
            throw config("--max-line-bytes must be at least 1024");
        }
        try {
            SegmentFormat.of(compression);
            files.forEach(FileGroup::parse);
        } catch (IllegalArgumentException e) {
            throw config(e.getMessage());
        }
    }

    /** --rotated-glob as a matcher of file names; null if not given. */
    private PathMatcher rotatedNames() {
        if (rotatedGlob == null) {
            return null;
        }
        try {
            if (rotatedGlob.isEmpty() || rotatedGlob.contains("/")) {
                throw new IllegalArgumentException("no '/'");
            }
            return FileSystems.getDefault().getPathMatcher("glob:" + rotatedGlob);
        } catch (IllegalArgumentException e) {
            throw config("--rotated-glob '" + rotatedGlob + "' must be a file name pattern in the followed file's directory, without '/': "
                    + "e.g. 'app.*.log' (" + e.getMessage() + ")");
        }
    }

    private PodIdentity identity() {
        try {
            return PodIdentity.fromEnvironment(environment, "log-shipper");
        } catch (IllegalArgumentException e) {
            throw config("the remote layout needs the pod's identity from the downward API: " + e.getMessage());
        }
    }

    private Location podRoot(PodIdentity identity) {
        try {
            return Location.of(storageUri).asDirectory().resolve(identity.remotePrefix());
        } catch (IllegalArgumentException e) {
            throw config("--storage-uri: " + e.getMessage());
        }
    }

    /** The spool on the work directory: what a previous run left there is recovered stream by stream. */
    private Spool spool() {
        try {
            return new Spool(Files.createDirectories(workDir.resolve("spool")));
        } catch (IOException e) {
            throw config("--work-dir " + workDir + " cannot be used: " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    private MetastoreClient metastore() throws IOException {
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
        return endpoint.sidecarClient(workDir.resolve("metastore-spool"));
    }

    private static ProgramException config(String message) {
        return new ProgramException(ExitCode.CONFIG, message);
    }
}
