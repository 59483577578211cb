package io.submarine.localizer.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.localizer.spec.Source;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model version written by artifact-sync: {@code _MANIFEST.json} (written last, so its presence
 * means the version is complete) lists every file with size and sha256; files are fetched in
 * parallel and each is verified. A version without a manifest is refused unless the source
 * allows uncommitted versions, which copies whatever is under the prefix.
 */
public final class ModelFetcher implements Fetcher {

    private static final Logger LOG = LoggerFactory.getLogger(ModelFetcher.class);
    static final String MANIFEST = "_MANIFEST.json";
    /** How long the other downloads get to stop after one fails; a stuck read may not notice at once. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    private static final int COPY_BUFFER = 64 << 10;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One file of the manifest. */
    record ManifestFile(String path, long size, String sha256) {}

    private final Function<Source, BlobStore> storage;
    private final int parallelism;

    public ModelFetcher(Function<Source, BlobStore> storage, int parallelism) {
        this.storage = storage;
        this.parallelism = parallelism;
    }

    /**
     * A committed version's revision is its manifest's digest, read without its files: a target
     * that holds the version already is not downloaded again (a pod restarted on its volumes).
     */
    @Override
    public Optional<String> currentRevision(Source source) throws IOException {
        return manifest(storage.apply(source), Location.of(source.url()).asDirectory()).map(ModelFetcher::revision);
    }

    @Override
    public Fetched fetch(Source source, Path staging) throws IOException {
        Location version = Location.of(source.url()).asDirectory();
        BlobStore store = storage.apply(source);
        Optional<byte[]> manifest = manifest(store, version);
        if (manifest.isEmpty()) {
            if (!source.allowUncommitted()) {
                throw new InvalidContentException("model version " + version + " has no " + MANIFEST
                        + ": it is not committed yet (artifact-sync writes the manifest last); wait for it, or allow uncommitted versions");
            }
            return copyPrefix(source.name(), store, version, staging);
        }
        List<ManifestFile> files = parse(manifest.get(), version);
        long bytes = fetchAll(source.name(), store, version, files, staging);
        return new Fetched(revision(manifest.get()), files.size(), bytes);
    }

    /** The version's manifest, or empty when it has none (not committed yet). */
    private static Optional<byte[]> manifest(BlobStore store, Location version) throws IOException {
        try (InputStream in = store.open(version.resolve(MANIFEST))) {
            return Optional.of(in.readNBytes(64 << 20));
        } catch (BlobNotFoundException e) {
            return Optional.empty();
        }
    }

    private static String revision(byte[] manifest) {
        return "manifest-sha256:" + HexFormat.of().formatHex(sha256(manifest));
    }

    static List<ManifestFile> parse(byte[] manifest, Location version) throws InvalidContentException {
        JsonNode root;
        try {
            root = JSON.readTree(manifest);
        } catch (IOException e) {
            throw new InvalidContentException("the manifest of " + version + " is not JSON", e);
        }
        if (root.path("format").asInt(-1) > 1) {
            throw new InvalidContentException("the manifest of " + version + " is format " + root.path("format").asInt()
                    + ", newer than this localizer reads (format 1): use a localizer as new as the artifact-sync that wrote it");
        }
        if (root.path("format").asInt(-1) != 1 || !root.path("files").isArray()) {
            throw new InvalidContentException("the manifest of " + version + " is not format 1 with a 'files' list");
        }
        List<ManifestFile> files = new ArrayList<>();
        for (JsonNode file : root.get("files")) {
            String path = file.path("path").asText("");
            String sha256 = file.path("sha256").asText("");
            long size = file.path("size").asLong(-1);
            if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || List.of(path.split("/")).contains("..")
                    || path.equals(MANIFEST) || size < 0 || !SHA256.matcher(sha256).matches()) {
                throw new InvalidContentException("the manifest of " + version + " has an invalid file entry: " + file);
            }
            files.add(new ManifestFile(path, size, sha256));
        }
        // Each path names one file, and no file stands where another needs a directory: the
        // downloads run side by side and would otherwise race for one place.
        Set<Path> paths = new HashSet<>();
        for (ManifestFile file : files) {
            if (!paths.add(Path.of(file.path()).normalize())) {
                throw new InvalidContentException("the manifest of " + version + " lists " + file.path() + " twice");
            }
        }
        for (Path path : paths) {
            for (Path parent = path.getParent(); parent != null; parent = parent.getParent()) {
                if (paths.contains(parent)) {
                    throw new InvalidContentException("the manifest of " + version + " lists " + parent + " as a file and as a directory of " + path);
                }
            }
        }
        return files;
    }

    /**
     * All files, {@code parallelism} at a time. The first failure stops the others, and returns
     * only once none is running: a download still writing would put files back into the staged
     * tree the caller is discarding.
     */
    private long fetchAll(String source, BlobStore store, Location version, List<ManifestFile> files, Path staging) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, files.size())), runnable -> {
            Thread thread = new Thread(runnable, "model-fetch");
            thread.setDaemon(true);
            return thread;
        });
        Downloads downloads = new Downloads(source, store, version, staging, files.size());
        try {
            CompletionService<Long> finished = new ExecutorCompletionService<>(pool);
            for (ManifestFile file : files) {
                finished.submit(() -> downloads.fetch(file));
            }
            long bytes = 0;
            for (int i = 0; i < files.size(); i++) {
                bytes += await(finished);
            }
            return bytes;
        } finally {
            pool.shutdownNow();
            downloads.stop();
            awaitStopped(pool);
        }
    }

    private static void awaitStopped(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("a model file download did not stop within {} s of being told to; it may still write into the discarded staging "
                        + "directory, which the next run removes", STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The files of one version being fetched side by side, and how to stop them. */
    private static final class Downloads {
        private final BlobStore store;
        private final Location version;
        private final Path staging;
        private final AtomicLong done = new AtomicLong();
        private final TransferProgress progress;
        /** The streams being read, to close when told to stop. */
        private final Set<InputStream> reading = ConcurrentHashMap.newKeySet();
        private volatile boolean stopped;

        Downloads(String source, BlobStore store, Location version, Path staging, int files) {
            this.store = store;
            this.version = version;
            this.staging = staging;
            this.progress = new TransferProgress(source, done::get, files);
        }

        /**
         * Stops every download at its next read. An interrupt alone does not: the JDK's HTTP
         * client takes it while its body stream waits for bytes, and waits on; closing the
         * stream wakes it.
         */
        void stop() {
            stopped = true;
            for (InputStream in : reading) {
                try {
                    in.close();
                } catch (IOException | RuntimeException ignored) {
                    // Abandoned: its reader fails either way.
                }
            }
        }

        long fetch(ManifestFile file) throws IOException {
            Location location = version.resolve(file.path());
            Path local = staging.resolve(file.path());
            Files.createDirectories(local.getParent());
            try (InputStream raw = open(location, file)) {
                reading.add(raw);
                try {
                    if (stopped) { // told to stop before it was registered to be closed
                        throw stoppedBy();
                    }
                    long bytes = copy(raw, local, location, file);
                    done.incrementAndGet();
                    return bytes;
                } catch (IOException e) {
                    // A stream closed under its reader fails in its own words; say why.
                    throw stopped ? stoppedBy() : e;
                } finally {
                    reading.remove(raw);
                }
            }
        }

        /** A file the manifest lists but storage lacks makes the version incomplete: nothing to fix in the source's settings. */
        private InputStream open(Location location, ManifestFile file) throws IOException {
            try {
                return store.open(location);
            } catch (BlobNotFoundException e) {
                throw new InvalidContentException("model version " + version + " is incomplete: its " + MANIFEST + " lists " + file.path()
                        + ", which is not in storage (deleted since, or the version was not written by artifact-sync)", e);
            }
        }

        private long copy(InputStream raw, Path local, Location location, ManifestFile file) throws IOException {
            long bytes = 0;
            try (Digests in = new Digests(raw, progress); OutputStream out = Files.newOutputStream(local, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buffer = new byte[COPY_BUFFER];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (stopped) {
                        throw stoppedBy();
                    }
                    out.write(buffer, 0, n);
                    bytes += n;
                }
                String sha256 = in.finish();
                if (bytes != file.size() || !sha256.equals(file.sha256())) {
                    throw new ChecksumMismatchException(location + " (" + bytes + " bytes)", file.sha256() + " (" + file.size() + " bytes)", sha256);
                }
                return bytes;
            }
        }

        private InterruptedIOException stoppedBy() {
            return new InterruptedIOException("stopped: another file of " + version + " failed");
        }
    }

    private Fetched copyPrefix(String source, BlobStore store, Location version, Path staging) throws IOException {
        AtomicLong files = new AtomicLong();
        TransferProgress progress = new TransferProgress(source, files::get, -1);
        long bytes = 0;
        BlobIterator listing = store.list(version);
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            String relative = info.location().path().substring(version.path().length());
            Path local = staging.resolve(relative).normalize();
            if (!local.startsWith(staging)) {
                throw new InvalidContentException("object " + info.location() + " would land outside the target");
            }
            Files.createDirectories(local.getParent());
            try (InputStream in = store.open(info.location())) {
                long copied = Files.copy(in, local);
                bytes += copied;
                files.incrementAndGet();
                progress.add(copied);
            }
        }
        if (files.get() == 0) {
            throw new BlobNotFoundException(version, "no model version here (no objects under the prefix)");
        }
        return new Fetched("uncommitted", files.get(), bytes);
    }

    /** The size of the next download to finish, or its failure. */
    private static long await(CompletionService<Long> downloads) throws IOException {
        try {
            return downloads.take().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching a model");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            throw new IOException("model fetch failed", e.getCause());
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
