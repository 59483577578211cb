package io.submarine.localizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.submarine.localizer.fetch.Fetched;
import io.submarine.localizer.fetch.Fetcher;
import io.submarine.localizer.spec.Source;
import io.submarine.localizer.spec.SourceType;
import io.submarine.sidecar.cli.Durations;
import io.submarine.storage.retry.Retrier;
import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Localizes every source concurrently, each all-or-nothing with its own retries, then writes
 * {@code .localized.json} under the code root. A source whose remote revision is what the
 * previous run recorded for the same target is left alone.
 */
final class LocalizationRun {

    private static final Logger LOG = LoggerFactory.getLogger(LocalizationRun.class);
    static final String RECORD_FILE = ".localized.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<SourceType, Fetcher> fetchers;
    private final RetryPolicy retryPolicy;
    private final Duration timeout;
    private final int parallelism;
    private final Path codeRoot;
    private final Retrier.Sleeper sleeper;

    LocalizationRun(Map<SourceType, Fetcher> fetchers, RetryPolicy retryPolicy, Duration timeout, int parallelism, Path codeRoot, Retrier.Sleeper sleeper) {
        this.fetchers = fetchers;
        this.retryPolicy = retryPolicy;
        this.timeout = timeout;
        this.parallelism = parallelism;
        this.codeRoot = codeRoot;
        this.sleeper = sleeper;
    }

    List<LocalizedRecord> run(List<Source> sources) throws IOException {
        List<LocalizedRecord> previous = readPrevious();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, sources.size())), runnable -> {
            Thread thread = new Thread(runnable, "localize");
            thread.setDaemon(true);
            return thread;
        });
        try {
            // A source whose target is inside another's waits for that one, whose tree is put in
            // place whole and would carry it away. Outer ones are submitted first: the pool takes
            // tasks in order, so an outer one has started before an inner one waits on it.
            Map<Source, Future<LocalizedRecord>> submitted = new IdentityHashMap<>();
            for (Source source : sources.stream().sorted(Comparator.comparingInt(s -> where(s).getNameCount())).toList()) {
                Map<Source, Future<LocalizedRecord>> outer = new IdentityHashMap<>();
                submitted.forEach((other, future) -> {
                    if (where(source).startsWith(where(other))) {
                        outer.put(other, future);
                    }
                });
                submitted.put(source, pool.submit(() -> {
                    awaitOuter(source, outer);
                    return localize(source, previous);
                }));
            }
            List<Future<LocalizedRecord>> running = sources.stream().map(submitted::get).toList();
            long deadline = System.nanoTime() + timeout.toNanos();
            List<LocalizedRecord> done = new ArrayList<>();
            Exception failure = null;
            for (int i = 0; i < running.size(); i++) {
                try {
                    done.add(running.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    running.forEach(f -> f.cancel(true));
                    throw new LocalizationTimeoutException("localization did not finish within " + Durations.format(timeout) + " (--timeout); nothing partial was put in place");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                } catch (ExecutionException e) {
                    Exception cause = e.getCause() instanceof Exception known ? known : new IOException(e.getCause());
                    LOG.error("source '{}' failed: {}", sources.get(i).name(), cause.getMessage());
                    if (failure == null || (failure instanceof OuterSourceFailedException && !(cause instanceof OuterSourceFailedException))) {
                        // The exit code is a source's own failure's, not that of one left undone because of it.
                        if (failure != null) {
                            cause.addSuppressed(failure);
                        }
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                }
            }
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure != null) {
                throw failure instanceof IOException io ? io : new IOException(failure);
            }
            writeRecords(done);
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Path where(Source source) {
        return source.target().toAbsolutePath().normalize();
    }

    /** Waits for the sources whose targets hold {@code source}'s; if one failed, this one is not attempted. */
    private static void awaitOuter(Source source, Map<Source, Future<LocalizedRecord>> outer) throws IOException, InterruptedException {
        for (Map.Entry<Source, Future<LocalizedRecord>> other : outer.entrySet()) {
            try {
                other.getValue().get();
            } catch (ExecutionException e) {
                throw new OuterSourceFailedException(source, other.getKey(), e.getCause());
            }
        }
    }

    private LocalizedRecord localize(Source source, List<LocalizedRecord> previous) throws IOException, InterruptedException {
        Fetcher fetcher = fetchers.get(source.type());
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                // The remote is only asked when the target holds an earlier localization of the same source.
                Optional<LocalizedRecord> earlier = earlier(source, previous);
                Optional<String> current = earlier.isPresent() ? fetcher.currentRevision(source) : Optional.empty();
                if (current.isPresent() && current.get().equals(earlier.get().revision())) {
                    LOG.info("source '{}' already holds {} at {}: nothing to do", source.name(), current.get(), source.target());
                    return record(source, new Fetched(current.get(), 0, 0), start, true);
                }
                Path staging;
                try {
                    staging = Staging.begin(source.target());
                } catch (IOException e) {
                    throw new VolumeRefusedWriteException(source, e);
                }
                try {
                    Fetched fetched = fetcher.fetch(source, staging);
                    Staging.publish(staging, source.target());
                    LocalizedRecord record = record(source, fetched, start, false);
                    LOG.info("source '{}' ({}) put in place at {}: {} files, {} bytes, {} in {}s", source.name(), source.type(),
                            source.target(), fetched.files(), fetched.bytes(), fetched.revision(), String.format("%.1f", record.seconds()));
                    return record;
                } finally {
                    Staging.discard(staging);
                }
            } catch (VolumeRefusedWriteException e) {
                throw e;
            } catch (IOException e) {
                if (Failures.volumeRefusal(e) != null) {
                    throw new VolumeRefusedWriteException(source, e);
                }
                if (!Failures.retryable(e) || Thread.currentThread().isInterrupted()) {
                    throw e; // an interrupted attempt was stopped (--timeout, another source's failure), not failed
                }
                if (attempt >= retryPolicy.maxAttempts()) {
                    throw new SourceUnreachableException(source, attempt, e);
                }
                Duration wait = retryPolicy.backoff(attempt, RandomGenerator.getDefault());
                LOG.warn("source '{}' attempt {} of {} failed ({}); retrying in {} ms", source.name(), attempt, retryPolicy.maxAttempts(),
                        SourceUnreachableException.describe(e), wait.toMillis());
                sleeper.sleep(wait);
            }
        }
    }

    private static Optional<LocalizedRecord> earlier(Source source, List<LocalizedRecord> previous) {
        if (!Files.isDirectory(source.target())) {
            return Optional.empty();
        }
        return previous.stream().filter(r -> r.name().equals(source.name()) && r.target().equals(source.target().toString())
                && r.url().equals(source.redactedUrl()) && source.treeOptions().equals(r.options())).findFirst();
    }

    private static LocalizedRecord record(Source source, Fetched fetched, long start, boolean unchanged) {
        return new LocalizedRecord(source.name(), source.type().toString(), source.redactedUrl(), source.target().toString(),
                fetched.revision(), fetched.files(), fetched.bytes(), (System.nanoTime() - start) / 1e9, unchanged, source.treeOptions());
    }

    private List<LocalizedRecord> readPrevious() {
        Path file = codeRoot.resolve(RECORD_FILE);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            JsonNode sources = JSON.readTree(file.toFile()).path("sources");
            List<LocalizedRecord> records = new ArrayList<>();
            for (JsonNode node : sources) {
                records.add(JSON.treeToValue(node, LocalizedRecord.class));
            }
            return records;
        } catch (IOException e) {
            LOG.warn("ignoring unreadable {}: {}", file, e.getMessage());
            return List.of();
        }
    }

    private void writeRecords(List<LocalizedRecord> records) throws IOException {
        Files.createDirectories(codeRoot);
        // A run killed between writing and renaming left its copy in the code root, which the
        // pod's task sees: the localizer is the only writer here, so any such copy is stale.
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(codeRoot, ".localized-*.json")) {
            for (Path leftover : stale) {
                Files.deleteIfExists(leftover);
            }
        }
        // Readable by all, as the tree it describes is: the pod's other containers may run as other users.
        Path aside = Files.createTempFile(codeRoot, ".localized-", ".json", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        JSON.writeValue(aside.toFile(), Map.of("sources", records));
        Files.move(aside, codeRoot.resolve(RECORD_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A source still failed transiently after every attempt. */
    static final class SourceUnreachableException extends IOException {
        SourceUnreachableException(Source source, int attempts, IOException last) {
            super("source '" + source.name() + "' (" + source.redactedUrl() + ") failed " + attempts + (attempts == 1 ? " attempt" : " attempts") + "; the last: " + describe(last), last);
        }

        static String describe(IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * Where the target goes took no more writes (full, read-only, not a directory): the pod's
     * configuration, which no retry changes.
     */
    static final class VolumeRefusedWriteException extends IOException {
        VolumeRefusedWriteException(Source source, IOException cause) {
            super("source '" + source.name() + "': the volume at " + source.target().toAbsolutePath().getParent() + " refused a write ("
                    + Objects.requireNonNullElse(Failures.volumeRefusal(cause), cause.getClass().getSimpleName() + ": " + cause.getMessage())
                    + "): it must be a writable directory with room for the source; nothing was put in place", cause);
        }
    }

    /** Not attempted: a source whose target holds this one's failed. */
    static final class OuterSourceFailedException extends IOException {
        OuterSourceFailedException(Source source, Source outer, Throwable cause) {
            super("not attempted: its target " + source.target() + " is inside that of source '" + outer.name() + "', which failed", cause);
        }
    }

    /** Localization ran out of its --timeout. */
    static final class LocalizationTimeoutException extends IOException {
        LocalizationTimeoutException(String message) {
            super(message);
        }
    }
}
