package io.submarine.metrics.ship;

import io.submarine.logsegment.SegmentJson;
import io.submarine.logsegment.StateFile;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.WriteMode;
import io.submarine.storage.retry.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships the event files under a logdir: finds them (at any depth, new ones as they come), reads
 * their whole records as they grow, cuts pieces at {@code pieceBytes} and every
 * {@code flushInterval}, and uploads them in order. Exactly once across crashes: where each file
 * stands is what storage holds of it (the pieces' names say it), so a restart lists and goes on
 * after the last piece. At shutdown it ships what is left within a deadline and writes
 * {@code _COMPLETE} with the totals.
 */
public final class EventShipper {

    private static final Logger LOG = LoggerFactory.getLogger(EventShipper.class);

    /** What the shipper is told: where to look, how often, and how large a piece may get. */
    public record Settings(Path logdir, Duration pollInterval, Duration flushInterval, long pieceBytes, int maxSeries) {}

    /** How shutdown went; {@code problem} is null when everything was shipped and completed. */
    public record Outcome(ExitCode exitCode, String problem) {
        public boolean complete() {
            return problem == null;
        }
    }

    private final Settings settings;
    private final BlobStore store;
    private final RemoteLogdir remote;
    private final PointReporter reporter;
    private final PieceUploader uploader;
    private final SidecarMetrics metrics;
    private final Clock clock;
    private final RetryPolicy backoff = new RetryPolicy(8, Duration.ofMillis(200), Duration.ofSeconds(10));
    private final Map<String, EventFile> files = new ConcurrentHashMap<>();
    /** What storage held of each file at start: its pieces, first byte to size. */
    private Map<String, NavigableMap<Long, Long>> inStorage = Map.of();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "event-file-reader");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean recovered;
    private Instant nextFlush;
    private Instant nextWalk;
    private Outcome outcome;

    /** {@code metastore} may be null: then nothing is reported. */
    public EventShipper(Settings settings, BlobStore store, Location podRoot, MetastoreClient metastore, PodIdentity identity, Path workDir,
            Clock clock) throws IOException {
        this.settings = settings;
        this.store = store;
        this.clock = clock;
        this.remote = new RemoteLogdir(store, podRoot);
        this.metrics = new SidecarMetrics(settings.maxSeries());
        this.reporter = metastore == null ? null : new PointReporter(metastore, identity, new StateFile(workDir.resolve("reported.json")));
        this.uploader = new PieceUploader(store, remote, backoff, metrics, reporter != null ? reporter : (piece, location) -> { });
        metrics.gauges(files::size, this::lagSeconds, () -> files.values().stream().mapToLong(EventFile::unshippedBytes).sum(),
                () -> reporter == null ? 0 : reporter.spooled());
    }

    public SidecarMetrics metrics() {
        return metrics;
    }

    /**
     * Asks storage where each file stands, retrying while it is unreachable; storage that refuses
     * (configuration, credentials) is an exception. Then reports again what storage holds beyond
     * what the metastore was told (a crash between the two), as the same reports.
     */
    public void recover() throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                inStorage = remote.pieces();
                break;
            } catch (StorageConfigException | BlobAccessDeniedException refused) {
                throw refused;
            } catch (IOException | RuntimeException e) {
                Duration wait = backoff.backoff(Math.min(attempt, backoff.maxAttempts()), ThreadLocalRandom.current());
                LOG.warn("cannot list {} to find where shipping stands (attempt {}): {}; retrying in {} ms", remote.root(), attempt,
                        e.getMessage(), wait.toMillis());
                Thread.sleep(wait.toMillis());
            }
        }
        long bytes = 0;
        for (Map.Entry<String, NavigableMap<Long, Long>> file : inStorage.entrySet()) {
            bytes += file.getValue().lastEntry().getKey() + file.getValue().lastEntry().getValue();
        }
        LOG.info("storage holds {} bytes of {} event files under {}", bytes, inStorage.size(), remote.root());
        discover();
        if (reporter != null) {
            for (Map.Entry<String, NavigableMap<Long, Long>> stored : inStorage.entrySet()) {
                EventFile file = files.get(stored.getKey());
                long reported = reporter.reportedEnd(stored.getKey());
                NavigableMap<Long, Long> unreported = stored.getValue().tailMap(reported, true);
                if (unreported.isEmpty()) {
                    continue;
                }
                if (file == null) {
                    LOG.warn("{} is gone from the logdir; its bytes from {} on are in storage but their points are not reported", stored.getKey(), reported);
                    continue;
                }
                if (!file.open(metrics)) {
                    continue;
                }
                for (Map.Entry<Long, Long> piece : unreported.entrySet()) {
                    reporter.committed(new EventFile.Piece(file, piece.getKey(), piece.getKey() + piece.getValue()),
                            remote.piece(stored.getKey(), piece.getKey()));
                }
            }
        }
        recovered = true;
    }

    /** Whether {@link #recover} has found where shipping stands. */
    public boolean recovered() {
        return recovered;
    }

    public void start() {
        nextFlush = clock.instant().plus(settings.flushInterval());
        nextWalk = clock.instant();
        poller.scheduleWithFixedDelay(this::poll, 0, settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            Instant now = clock.instant();
            if (!now.isBefore(nextWalk)) {
                // Walking the logdir costs a stat per file and directory; new runs are found within this, existing files grow every poll.
                nextWalk = now.plus(walkInterval());
                discover();
            }
            boolean flush = !now.isBefore(nextFlush);
            if (flush) {
                nextFlush = now.plus(settings.flushInterval());
            }
            readAll(flush);
        } catch (RuntimeException e) {
            LOG.error("reading the event files failed: {}", e.toString());
        }
    }

    private void readAll(boolean flush) {
        Instant now = clock.instant();
        for (EventFile file : files.values()) {
            try {
                file.read(settings.pieceBytes(), metrics, now);
            } catch (IOException e) {
                LOG.warn("reading {} failed: {}; trying again on the next poll", file.relativePath(), e.getMessage());
            }
            uploader.enqueue(file.takePieces(flush));
        }
    }

    /** How often the logdir is walked for new files: every 5 s, or every flush or poll if that is longer. */
    private Duration walkInterval() {
        Duration walk = Duration.ofSeconds(5);
        walk = settings.flushInterval().compareTo(walk) < 0 ? settings.flushInterval() : walk;
        return settings.pollInterval().compareTo(walk) > 0 ? settings.pollInterval() : walk;
    }

    /** Finds event files not seen before: any file whose name contains "tfevents", at any depth. */
    private void discover() {
        Path logdir = settings.logdir();
        if (!Files.isDirectory(logdir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(logdir)) {
            walk.filter(path -> path.getFileName().toString().contains("tfevents") && Files.isRegularFile(path)).forEach(path -> {
                String relative = logdir.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
                files.computeIfAbsent(relative, name -> {
                    NavigableMap<Long, Long> stored = inStorage.getOrDefault(name, new TreeMap<>());
                    long committed = RemoteLogdir.end(name, stored);
                    LOG.info("following event file {}{}", name, committed > 0 ? " from byte " + committed + ", as storage holds it up to there" : "");
                    return new EventFile(name, path, committed);
                });
            });
        } catch (IOException | UncheckedIOException e) {
            // A run directory deleted while it was walked: the next poll walks again.
            LOG.debug("walking {} failed: {}", logdir, e.toString());
        }
    }

    /** Seconds since the oldest record not yet in storage was read; 0 when all is shipped. */
    public double lagSeconds() {
        Instant oldest = null;
        for (EventFile file : files.values()) {
            Instant read = file.oldestUnshipped();
            if (read != null && (oldest == null || read.isBefore(oldest))) {
                oldest = read;
            }
        }
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    }

    /** Ships everything written so far and writes {@code _COMPLETE}, by {@code deadline}; runs once. */
    public synchronized Outcome shutdown(Duration deadline) {
        if (outcome != null) {
            return outcome;
        }
        if (!recovered) {
            // Without storage's word on where each file stands, nothing can be shipped without risking it twice.
            outcome = new Outcome(ExitCode.UNREACHABLE, "stopped before storage said where shipping stands; nothing was shipped by this run, "
                    + "the next start in this pod ships it; _COMPLETE not written");
            return outcome;
        }
        long end = System.nanoTime() + deadline.toNanos();
        poller.shutdown();
        try {
            poller.awaitTermination(left(end).toMillis() / 4, TimeUnit.MILLISECONDS);
            discover();
            readAll(true);
            if (!uploader.awaitEmpty(left(end))) {
                PieceUploader.Waiting waiting = uploader.waiting();
                outcome = new Outcome(ExitCode.DEADLINE, String.format("the %s shutdown deadline passed with %d pieces (%d bytes) not uploaded; "
                        + "the event files hold them, and the next start in this pod ships them; _COMPLETE not written", deadline, waiting.pieces(), waiting.bytes()));
                return outcome;
            }
            if (reporter != null && !reporter.flush(left(end))) {
                LOG.warn("the metastore was not told of every piece by the deadline; the next start in this pod tells it");
            }
            writeComplete();
            outcome = new Outcome(ExitCode.OK, null);
        } catch (IOException | RuntimeException e) {
            outcome = new Outcome(ExitCode.DEADLINE, "shutdown failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = new Outcome(ExitCode.DEADLINE, "shutdown interrupted");
        } finally {
            uploader.close();
        }
        return outcome;
    }

    private void writeComplete() throws IOException {
        List<Object> shipped = new ArrayList<>();
        List<Object> stopped = new ArrayList<>();
        long bytes = 0;
        for (EventFile file : new TreeMap<>(files).values()) {
            shipped.add(SegmentJson.fields("path", file.relativePath(), "bytes", file.committed()));
            bytes += file.committed();
            if (file.stopped() != null) {
                stopped.add(SegmentJson.fields("path", file.relativePath(), "why", file.stopped()));
            }
        }
        Map<String, Object> totals = SegmentJson.fields("format", 1, "files", shipped, "bytes", bytes, "stopped", stopped,
                "completed", clock.instant().toString());
        store.write(remote.complete(), new ByteArrayInputStream(SegmentJson.write(totals)), WriteMode.OVERWRITE);
        LOG.info("shipped {} bytes of {} event files; wrote {}", bytes, files.size(), remote.complete());
    }

    private static Duration left(long end) {
        return Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime()));
    }
}
