package io.submarine.logshipper.source;

import io.submarine.logshipper.ship.LogStream;
import io.submarine.logshipper.ship.Shipper;
import io.submarine.logshipper.ship.ShipperMetrics;
import io.submarine.logshipper.ship.SpoolException;
import io.submarine.logshipper.ship.Uploader;
import io.submarine.sidecar.cli.Durations;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every file of every group on one thread: looks for new files each {@code scanInterval},
 * polls the followers round-robin, and sleeps {@code pollInterval} only when none had anything new.
 * Before each round it waits for room in the spool, so a storage outage slows reading instead of
 * filling the disk.
 *
 * <p>A file that cannot be read (its permissions, an I/O error) is named in a warning and counted
 * in {@code logshipper_unreadable_files}; its lines wait where they are and it is tried again on
 * every round, while the other files go on. Only a spool that cannot be written stops reading.
 */
public final class FileSources implements Shipper.Source, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileSources.class);
    private static final Duration SCAN_INTERVAL = Duration.ofSeconds(1);

    private final Map<FileGroup, LogStream> groups;
    private final ShipperMetrics metrics;
    private final Uploader uploader;
    private final int maxLineBytes;
    private final Duration pollInterval;
    private final Duration rotateWait;
    private final LineGrouping grouping;
    private final Duration groupWait;
    private final PathMatcher rotatedNames;
    /** Files present at the first scan of a fresh work directory begin at their end (--start-at end). */
    private boolean startAtEnd;
    private final Map<Path, FileFollower> followers = new LinkedHashMap<>();
    /** Files that failed at their last try, with why: warned once, not every round. */
    private final Map<Path, String> unreadable = new ConcurrentHashMap<>();
    private final Set<Path> directoriesPassedOver = new HashSet<>();
    private final Thread reader;
    /** Held while the followers are read or changed: by the reader thread, and at shutdown by the drain. */
    private final ReentrantLock reading = new ReentrantLock();
    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile Path readingNow;
    /** Set when the drain found the reader still inside a read, and did not read beside it. */
    private volatile String stuck;
    private long lastScan;

    /**
     * @param rotatedNames file names beside a followed file that are its rotations too (see {@link RotatedFiles}); null for none
     * @param startAtEnd files found by the first scan begin at their end, their rotated siblings left out
     */
    public FileSources(Map<FileGroup, LogStream> groups, ShipperMetrics metrics, Uploader uploader, int maxLineBytes, Duration pollInterval,
            Duration rotateWait, LineGrouping grouping, Duration groupWait, PathMatcher rotatedNames, boolean startAtEnd) {
        this.rotatedNames = rotatedNames;
        this.startAtEnd = startAtEnd;
        this.groups = groups;
        this.metrics = metrics;
        this.uploader = uploader;
        this.maxLineBytes = maxLineBytes;
        this.pollInterval = pollInterval;
        this.rotateWait = rotateWait;
        this.grouping = grouping;
        this.groupWait = groupWait;
        this.reader = new Thread(this::readUntilStopped, "file-reader");
        reader.setDaemon(true);
        metrics.unreadableFiles(unreadable::size);
    }

    public void start() {
        reader.start();
    }

    /** Why reading stopped, if it failed. */
    public Throwable failure() {
        return failure;
    }

    private void readUntilStopped() {
        try {
            while (!stopping) {
                uploader.awaitRoom();
                boolean progressed;
                reading.lock();
                try {
                    progressed = stopping || pollAll(false);
                } finally {
                    reading.unlock();
                }
                if (!progressed) {
                    LockSupport.parkNanos(this, pollInterval.toNanos());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException | Error e) {
            // An Error too (a native library that cannot load): a reader thread that dies unseen ships nothing.
            failure = e;
            LOG.error("reading log files failed: {}", e.toString());
        }
    }

    private boolean pollAll(boolean draining) throws IOException {
        if (draining || System.nanoTime() - lastScan > SCAN_INTERVAL.toNanos()) {
            scan();
            lastScan = System.nanoTime();
        }
        boolean progressed = false;
        for (FileFollower follower : followers.values()) {
            if (stopping && !draining) {
                break; // the drain reads on from here
            }
            readingNow = follower.path();
            try {
                progressed |= follower.poll(draining);
                readable(follower.path());
            } catch (SpoolException e) {
                throw e;
            } catch (IOException e) {
                unreadable(follower.path(), e);
            }
        }
        return progressed;
    }

    private void unreadable(Path file, IOException e) {
        String why = e.toString();
        if (!why.equals(unreadable.put(file, why))) {
            LOG.warn("{} cannot be read ({}); its lines wait, it is tried again every poll, and the other files go on", file, why);
        }
    }

    private void readable(Path file) {
        if (!unreadable.isEmpty() && unreadable.remove(file) != null) {
            LOG.info("{} can be read again; reading on where it stopped", file);
        }
    }

    /** A directory under a glob that could not be read: named once, as its files, if any, are not followed. */
    private void passedOver(Path directory, IOException e) {
        if (!(e instanceof NoSuchFileException) && directoriesPassedOver.add(directory)) {
            LOG.warn("{} cannot be read ({}); files under it are not followed", directory, e.toString());
        }
    }

    private void scan() throws IOException {
        for (Map.Entry<FileGroup, LogStream> group : groups.entrySet()) {
            List<Path> matches = group.getKey().matches(this::passedOver);
            for (Path file : matches) {
                // A rotated file matched by a wide glob is its live file's follower's to read.
                if (followers.containsKey(file) || rotationOfAnother(file, matches)) {
                    continue;
                }
                LOG.info("following {} into stream {}", file, group.getValue().key());
                followers.put(file, new FileFollower(file, group.getValue(), metrics, maxLineBytes, rotateWait, grouping, groupWait, rotatedNames,
                        startAtEnd));
            }
        }
        startAtEnd = false;
    }

    private boolean rotationOfAnother(Path file, List<Path> matches) {
        return Stream.concat(followers.keySet().stream(), matches.stream()).anyMatch(live -> RotatedFiles.isRotationOf(file, live, rotatedNames));
    }

    /**
     * Stops the reader thread, then reads every file to its end, last partial lines included.
     * Bounded by {@code timeout}: a writer that never stops must not hold the shutdown.
     */
    @Override
    public void drain(Duration timeout) throws IOException, InterruptedException {
        stopping = true;
        // Woken, not interrupted: an interrupt during a FileChannel read closes the channel, which
        // the reading below goes on with (that failed a shutdown: ClosedByInterruptException).
        uploader.releaseReaders();
        LockSupport.unpark(reader);
        reader.join(timeout.toMillis());
        // A reader still inside a read (a file on a hung network file system) holds the followers;
        // reading them beside it would race it over which follower reads what.
        if (!reading.tryLock()) {
            stuck = "the file reader did not stop within " + Durations.format(timeout) + " (it was reading " + readingNow
                    + "), so the files were not read to their end at shutdown";
            LOG.warn("{}", stuck);
            return;
        }
        try {
            long end = System.nanoTime() + timeout.toNanos();
            while (pollAll(true) && System.nanoTime() < end) {
                // Read on until nothing is left.
            }
        } finally {
            reading.unlock();
        }
    }

    @Override
    public String unread() {
        List<String> problems = new ArrayList<>();
        if (stuck != null) {
            problems.add(stuck);
        }
        if (!unreadable.isEmpty()) {
            problems.add("these files could not be read, and their lines after the last read are not shipped: " + new TreeSet<>(unreadable.keySet()));
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        reader.interrupt();
        // Not beside a reader stuck in a read (see drain): its files close with the process.
        if (!reading.tryLock()) {
            return;
        }
        try {
            for (FileFollower follower : followers.values()) {
                follower.close();
            }
        } finally {
            reading.unlock();
        }
    }
}
