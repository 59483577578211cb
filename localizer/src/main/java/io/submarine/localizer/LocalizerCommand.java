package io.submarine.localizer;

import io.submarine.localizer.archive.ArchiveLimits;
import io.submarine.localizer.fetch.ArchiveFetcher;
import io.submarine.localizer.fetch.FileFetcher;
import io.submarine.localizer.fetch.GitFetcher;
import io.submarine.localizer.fetch.ModelFetcher;
import io.submarine.localizer.spec.Credentials;
import io.submarine.localizer.spec.Source;
import io.submarine.localizer.spec.SourceType;
import io.submarine.localizer.spec.SpecException;
import io.submarine.localizer.spec.SpecFile;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.MetastoreEndpoint;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.sidecar.cli.Env;
import io.submarine.sidecar.lifecycle.TempDirectory;
import io.submarine.sidecar.lifecycle.TerminationMessage;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The flags of the localizer; each also has an environment variable (see --help). */
@Command(name = "localizer", mixinStandardHelpOptions = true, version = "localizer 0.1.0", sortOptions = false,
        description = {
            "Puts code and models in place before the task starts: git repositories, archives and single files under "
                    + "--code-root, model versions under --models-root. Each source is all-or-nothing: staged beside its target "
                    + "and renamed into place. Sources come from --spec-file (YAML or JSON) or, for one source, from --url and friends.",
            ""})
final class LocalizerCommand implements Callable<Integer> {

    private final Map<String, String> environment;

    LocalizerCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Option(names = "--spec-file", paramLabel = "FILE", description = "YAML or JSON: sources: [{name, type, url, ...}] or the experiment form code: {sync_mode, url}.")
    Path specFile;

    @Option(names = "--name", description = "Name of the single source (default: from the URL: the repository, archive or file; a model version's model).")
    String name;

    @Option(names = "--type", defaultValue = "git", description = "git, archive, model or file (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--url", description = "Where the single source is: a git URL or a storage URI (s3://, gs://, abfss://, hdfs://, file://, http(s)://, sftp://).")
    String url;

    @Option(names = "--git-url", description = "A git repository's URL: the same as --type git --url URL.")
    String gitUrl;

    @Option(names = "--target", description = "Where to put it (default: <code-root>/<name>, <models-root>/<name> for models).")
    Path target;

    @Option(names = "--ref", description = "git: branch, tag or full commit SHA (default: the remote's HEAD).")
    String ref;

    @Option(names = "--depth", defaultValue = "1", description = "git: commits of history; 0 for all (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--submodules", defaultValue = "off", description = "git: off, shallow or recursive (default: ${DEFAULT-VALUE}).")
    String submodules;

    @Option(names = "--subpath", description = "git: keep only this directory of the repository.")
    String subpath;

    @Option(names = "--sha256", description = "archive, file: expected SHA-256 of the download, checked before anything is put in place.")
    String sha256;

    @Option(names = "--strip-components", defaultValue = "0", description = "archive: leading path segments to drop, as in GNU tar.")
    int stripComponents;

    @Option(names = "--allow-uncommitted", description = "model: accept a version without _MANIFEST.json (copies the prefix as is).")
    boolean allowUncommitted;

    @Option(names = "--allow-file-submodules", description = "git: fetch submodules whose URL is on this machine (file:// or a path). "
            + "Refused otherwise, as git refuses them: a repository could name any repository the container can read.")
    boolean allowFileSubmodules;

    @Option(names = "--username-file", description = "git: file with the user name.")
    Path usernameFile;

    @Option(names = "--password-file", description = "git: file with the password.")
    Path passwordFile;

    @Option(names = "--token-file", description = "git over https: file with an access token.")
    Path tokenFile;

    @Option(names = "--ssh-key-file", description = "git over ssh: private key file.")
    Path sshKeyFile;

    @Option(names = "--known-hosts-file", description = "git over ssh: known_hosts file (default: ~/.ssh/known_hosts).")
    Path knownHostsFile;

    @Option(names = "--insecure-skip-host-key-check", description = "git over ssh: accept any host key. Only for tests and trusted networks.")
    boolean insecureSkipHostKeyCheck;

    @Option(names = "--headers-file", description = "archive, file, model over http(s): file of 'Name: value' lines sent with each request (a token, say).")
    Path headersFile;

    @Option(names = "--code-root", defaultValue = "/code", description = "Default parent of code targets, and where .localized.json goes (default: ${DEFAULT-VALUE}).")
    Path codeRoot;

    @Option(names = "--models-root", defaultValue = "/models", description = "Default parent of model targets (default: ${DEFAULT-VALUE}).")
    Path modelsRoot;

    @Option(names = "--parallelism", defaultValue = "4", description = "Sources, and files of a model, fetched at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--max-attempts", defaultValue = "5", description = "Attempts per source on transient failures, with exponential backoff and jitter (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--timeout", defaultValue = "30m", description = "Give up after this long: 90s, 30m, 1h30m or ISO-8601 (PT30M) (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--git-stall-timeout", defaultValue = "2m",
            description = "git: a transfer (or ssh handshake) that receives nothing for this long fails, and is retried "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration gitStallTimeout;

    @Option(names = "--max-bytes", defaultValue = "68719476736", description = "archive: most bytes it may unpack to (default: 64 GiB).")
    long maxBytes;

    @Option(names = "--max-entries", defaultValue = "1000000", description = "archive: most entries (default: ${DEFAULT-VALUE}).")
    long maxEntries;

    @Option(names = "--max-path-length", defaultValue = "4096", description = "archive: longest entry name (default: ${DEFAULT-VALUE}).")
    int maxPathLength;

    @Option(names = "--max-depth", defaultValue = "128", description = "archive: deepest directory nesting (default: ${DEFAULT-VALUE}).")
    int maxDepth;

    @Option(names = "--max-ratio", defaultValue = "1000", description = "archive: most it may expand over its compressed size (default: ${DEFAULT-VALUE}).")
    double maxRatio;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A storage setting, e.g. s3.endpoint=http://minio:9000 (also SUBMARINE_STORAGE_<BACKEND>_<NAME>).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Env("SUBMARINE_METASTORE_URL")
    @Option(names = "--metastore-url", description = "Report what was localized to this metastore (e.g. http://metastore:8080).")
    URI metastoreUrl;

    @Env("SUBMARINE_METASTORE_TOKEN_FILE")
    @Option(names = "--metastore-token-file", description = "File with the bearer token for the metastore (role reporter).")
    Path metastoreTokenFile;

    @Env("SUBMARINE_STORAGE_URI")
    @Option(names = "--storage-uri", description = "Root of the remote layout (s3://bucket/prefix, hdfs://, gs://, abfss://, file://): "
            + ".localized.json is also written there, in the pod's directory, as <namespace>/<owner-kind>/<owner-name>/<pod>/<pod-uid>/code/localized.json.")
    String storageUri;

    @Option(names = "--require-report", description = "Fail (exit 3) when the metastore report, or the record under --storage-uri, can't be delivered; "
            + "by default that is only logged.")
    boolean requireReport;

    @Option(names = "--spool-dir", description = "Where undelivered reports wait (default: <code-root>/.metastore-spool, on the pod's shared volume).")
    Path spoolDir;

    @Override
    public Integer call() throws Exception {
        TempDirectory.fallBackTo(codeRoot); // the code root is written anyway
        ProxySettings.apply(environment);
        List<Source> sources = sources();
        checkTargetsLeaveTheRootsAlone(sources);
        sources.forEach(source -> source.credentials().checkReadable(source.name()));
        checkLimits();
        ArchiveLimits limits = new ArchiveLimits(maxBytes, maxEntries, maxPathLength, maxDepth, maxRatio);
        Reporting reporting = reporting();
        StorageConfig storageConfig = StorageConfig.fromEnvironment(environment).with(settings).withSecretSink(Redactor.global()::register);
        try (SourceStorage storage = new SourceStorage(storageConfig)) {
            RemoteRecord remoteRecord = remoteRecord(storage.shared());
            LocalizationRun run = new LocalizationRun(Map.of(
                    SourceType.GIT, new GitFetcher(gitStallTimeout),
                    SourceType.ARCHIVE, new ArchiveFetcher(storage::forSource, limits),
                    SourceType.FILE, new FileFetcher(storage::forSource),
                    SourceType.MODEL, new ModelFetcher(storage::forSource, parallelism)),
                    new RetryPolicy(maxAttempts, Duration.ofMillis(500), Duration.ofSeconds(30)), timeout, parallelism, codeRoot,
                    d -> Thread.sleep(d.toMillis()));
            List<LocalizedRecord> records = runUntilStopped(run, sources);
            if (reporting != null) {
                reporting.report(records);
            }
            if (remoteRecord != null) {
                remoteRecord.write(codeRoot.resolve(LocalizationRun.RECORD_FILE));
            }
        }
        return 0;
    }

    /**
     * Runs {@code run}; if the JVM is stopped first (SIGTERM, as when the pod is deleted), says so
     * in the log and the termination message, as a failure would. It exits as the signal has it
     * (143): the pod is going away, no target holds a partial tree, and what was staged beside the
     * targets is cleared by the next run.
     */
    private List<LocalizedRecord> runUntilStopped(LocalizationRun run, List<Source> sources) throws IOException {
        Thread stopped = new Thread(() -> {
            String message = "stopped by a signal before every source was in place (" + sources.size() + " source"
                    + (sources.size() == 1 ? "" : "s") + "); no target holds a partial tree";
            Logger log = LoggerFactory.getLogger(LocalizerCommand.class); // not a field: --help configures no logging
            log.warn(message);
            try {
                TerminationMessage.of(environment).write(message);
            } catch (IOException | RuntimeException notInAPod) {
                log.debug("no termination message written: {}", notInAPod.toString());
            }
        }, "stopped");
        Runtime.getRuntime().addShutdownHook(stopped);
        try {
            return run.run(sources);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopped);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run.
            }
        }
    }

    /** Each numeric flag, named when it is out of range. */
    private void checkLimits() {
        Map<String, Boolean> valid = new LinkedHashMap<>();
        valid.put("--max-attempts must be at least 1", maxAttempts >= 1);
        valid.put("--parallelism must be at least 1", parallelism >= 1);
        valid.put("--timeout must be positive", !timeout.isNegative() && !timeout.isZero());
        valid.put("--git-stall-timeout must be at least 1s", gitStallTimeout.toSeconds() >= 1);
        valid.put("--max-bytes must be positive", maxBytes > 0);
        valid.put("--max-entries must be positive", maxEntries > 0);
        valid.put("--max-path-length must be positive", maxPathLength > 0);
        valid.put("--max-depth must be positive", maxDepth > 0);
        valid.put("--max-ratio must be at least 1", maxRatio >= 1); // NaN is not
        List<String> wrong = valid.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        if (!wrong.isEmpty()) {
            throw new SpecException(String.join("; ", wrong));
        }
    }

    /** Checked before anything is fetched, so a wrong setting fails at once. */
    private Reporting reporting() throws IOException {
        if (metastoreUrl == null) {
            return null;
        }
        MetastoreEndpoint endpoint;
        try {
            endpoint = MetastoreEndpoint.of(metastoreUrl, metastoreTokenFile);
        } catch (IllegalArgumentException e) {
            throw new SpecException(e.getMessage());
        }
        endpoint.token().ifPresent(Redactor.global()::register);
        PodIdentity identity;
        try {
            identity = PodIdentity.fromEnvironment(environment, "localizer");
        } catch (IllegalArgumentException e) {
            throw new SpecException("reporting to the metastore needs the pod's identity: " + e.getMessage());
        }
        MetastoreClient client = new MetastoreClient(endpoint.url(), endpoint.token(), spoolDir != null ? spoolDir : codeRoot.resolve(".metastore-spool"),
                3, Duration.ofMillis(500), d -> Thread.sleep(d.toMillis()));
        return new Reporting(client, identity, requireReport);
    }

    /** Checked before anything is fetched, as reporting is. */
    private RemoteRecord remoteRecord(BlobStores stores) throws IOException {
        if (storageUri == null) {
            return null;
        }
        Location root;
        try {
            root = Location.of(storageUri);
        } catch (IllegalArgumentException e) {
            throw new SpecException("--storage-uri: " + e.getMessage());
        }
        stores.storeFor(root); // a scheme no backend serves, or settings it refuses: a configuration error now
        PodIdentity identity;
        try {
            identity = PodIdentity.fromEnvironment(environment, "localizer");
        } catch (IllegalArgumentException e) {
            throw new SpecException("--storage-uri needs the pod's identity for its directory in the remote layout: " + e.getMessage());
        }
        return new RemoteRecord(stores, root, identity, requireReport);
    }

    /**
     * A target is replaced by a rename; the code and models roots are the pod's volumes, which
     * cannot be, so no target may be one of them or hold one.
     */
    private void checkTargetsLeaveTheRootsAlone(List<Source> sources) {
        for (Source source : sources) {
            Path target = source.target().normalize();
            for (Map.Entry<String, Path> root : Map.of("--code-root", codeRoot, "--models-root", modelsRoot).entrySet()) {
                if (root.getValue().toAbsolutePath().normalize().startsWith(target)) {
                    throw new SpecException("source '" + source.name() + "': its target " + target + " is or holds " + root.getKey() + " "
                            + root.getValue() + ", the pod's volume, which is not replaced whole; put it below, e.g. at "
                            + root.getValue().resolve(source.name()));
                }
            }
        }
    }

    private List<Source> sources() {
        SpecFile spec = new SpecFile(codeRoot, modelsRoot);
        if (gitUrl != null) {
            if (url != null) {
                throw new SpecException("give either --git-url or --url, not both");
            }
            if (SourceType.parse(type) != SourceType.GIT) {
                throw new SpecException("--git-url names a git repository, but --type is " + type + ": give --url for that type");
            }
            url = gitUrl;
        }
        if (specFile != null) {
            if (url != null) {
                throw new SpecException("give either --spec-file or --url (--git-url), not both");
            }
            return spec.read(specFile);
        }
        if (url == null) {
            throw new SpecException("nothing to localize: give --git-url, --url (with --type) or --spec-file");
        }
        SourceType sourceType = SourceType.parse(type);
        String sourceName = name != null ? name : SpecFile.defaultName(sourceType, url);
        return List.of(new Source(sourceName, sourceType, url, target != null ? target.toAbsolutePath() : spec.defaultTarget(sourceType, sourceName),
                ref, depth, Source.Submodules.parse(submodules), subpath, sha256, stripComponents, allowUncommitted, allowFileSubmodules,
                new Credentials(usernameFile, passwordFile, tokenFile, sshKeyFile, knownHostsFile, insecureSkipHostKeyCheck, headersFile)));
    }
}
