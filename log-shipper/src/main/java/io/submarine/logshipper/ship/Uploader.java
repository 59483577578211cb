package io.submarine.logshipper.ship;

import io.submarine.logsegment.OrderedUploads;
import io.submarine.logsegment.SealedSegment;
import io.submarine.logsegment.SegmentIndex;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads sealed segments in the order they were sealed ({@link OrderedUploads}: one at a time,
 * each retried with backoff for as long as it runs, as storage may be down for a while), with
 * create-if-absent, and only then drops the local file. The segments waiting form the
 * spool, bounded by {@code spoolLimit}: readers call {@link #awaitRoom} and wait while it is full.
 */
public final class Uploader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Uploader.class);

    /** Told about every committed segment (the metastore report goes here). */
    @FunctionalInterface
    public interface CommitListener {
        void committed(LogStream stream, Location location, SegmentIndex index);
    }

    private record Pending(LogStream stream, SealedSegment segment, int generation) {}

    private final BlobStore store;
    private final long spoolLimit;
    private final ShipperMetrics metrics;
    private final CommitListener listener;
    private final OrderedUploads<Pending> uploads;
    /** Streams read before storage said where they stand: their first upload waits for the answer. */
    private final Map<LogStream, Future<StreamState>> recoveries = new ConcurrentHashMap<>();
    private long spoolBytes;
    private boolean readersWaiting;
    private volatile boolean stopped;
    /** Set at shutdown: readers waiting for room go on, to stop. */
    private boolean readersReleased;

    public Uploader(BlobStore store, RetryPolicy backoff, long spoolLimit, ShipperMetrics metrics, CommitListener listener) {
        this.store = store;
        this.spoolLimit = spoolLimit;
        this.metrics = metrics;
        this.listener = listener;
        this.uploads = new OrderedUploads<>("segment-uploader", backoff, this::upload, new OrderedUploads.Listener<>() {
            @Override
            public void failed(Pending pending, int attempt, Exception e, Duration wait) {
                metrics.uploadFailed();
                LOG.warn("upload of segment {} of {} failed (attempt {}): {}; retrying in {} ms", pending.segment().index().sequence(),
                        pending.stream().key(), attempt, describe(e), wait.toMillis());
            }

            @Override
            public void done(Pending pending) {
                synchronized (Uploader.this) {
                    spoolBytes -= pending.segment().size();
                    Uploader.this.notifyAll();
                }
            }
        });
    }

    /** A {@link LogStream.SealedSink}: queues the segment for upload. */
    public synchronized void enqueue(LogStream stream, SealedSegment segment, int generation) {
        spoolBytes += segment.size();
        uploads.add(new Pending(stream, segment, generation));
    }

    /**
     * Holds {@code stream}'s uploads until {@code recovery} says where the remote stands. A stream
     * without a checkpoint is read at once, while storage's client starts and lists (a second for
     * HDFS); should the remote hold segments after all (the checkpoint was lost with the container),
     * the stream is rewound to after them before anything is uploaded, as if it had listed first.
     */
    public void recoverFirst(LogStream stream, Future<StreamState> recovery) {
        recoveries.put(stream, recovery);
    }

    /**
     * Why a stream's recovery failed (storage refused the listing: configuration or credentials),
     * or null. A failed recovery stays held here, so the program sees it and ends.
     */
    public Throwable recoveryFailure() {
        for (Future<StreamState> recovery : recoveries.values()) {
            if (recovery.isDone()) {
                try {
                    recovery.get();
                } catch (ExecutionException e) {
                    return e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return null;
    }

    /** Blocks while the spool is full; nothing is dropped, reading just waits. */
    public synchronized void awaitRoom() throws InterruptedException {
        if (spoolBytes < spoolLimit) {
            return;
        }
        long start = System.nanoTime();
        readersWaiting = true;
        LOG.warn("spool full ({} bytes waiting for upload); reading pauses until storage takes them", spoolBytes);
        while (spoolBytes >= spoolLimit && !stopped && !readersReleased) {
            wait(1000);
        }
        readersWaiting = false;
        metrics.spoolWaited((System.nanoTime() - start) / 1e9);
    }

    /** Lets every reader waiting in {@link #awaitRoom} go on, for good: the sources are being drained. */
    public synchronized void releaseReaders() {
        readersReleased = true;
        notifyAll();
    }

    /** Waits until every queued segment is committed; false if {@code timeout} passed first. */
    public boolean awaitEmpty(Duration timeout) throws InterruptedException {
        return uploads.awaitEmpty(timeout);
    }

    public synchronized long spoolBytes() {
        return spoolBytes;
    }

    public int waitingSegments() {
        return uploads.waiting().size();
    }

    public synchronized boolean spoolFull() {
        return readersWaiting;
    }

    /** When the oldest segment still waiting was opened. */
    public Instant oldestWaiting() {
        List<Pending> waiting = uploads.waiting();
        return waiting.isEmpty() ? null : Instant.parse(waiting.get(0).segment().index().opened());
    }

    /** The error and what caused it: storage errors name the location, their cause says what the server said. */
    private static String describe(Exception e) {
        Throwable cause = e.getCause();
        return cause == null || cause.getMessage() == null ? e.getMessage() : e.getMessage() + " (" + cause.getMessage() + ")";
    }

    private void upload(Pending pending) throws IOException {
        LogStream stream = pending.stream();
        SealedSegment segment = pending.segment();
        if (pending.generation() != stream.generation()) {
            Files.deleteIfExists(segment.file());
            return;
        }
        Future<StreamState> recovery = recoveries.get(stream);
        if (recovery != null) {
            StreamState remote = await(recovery);
            recoveries.remove(stream);
            if (!remote.equals(StreamState.EMPTY)) {
                LOG.warn("{} already holds segments up to {}, though this work directory has no checkpoint for it; resuming after them",
                        stream.directory(), remote.nextSequence() - 1);
                stream.resetTo(remote);
                Files.deleteIfExists(segment.file());
                return;
            }
        }
        Location location = stream.segmentLocation(segment);
        try (InputStream in = Files.newInputStream(segment.file())) {
            store.write(location, in, WriteMode.CREATE_IF_ABSENT);
        } catch (BlobExistsException exists) {
            SegmentIndex remote = segment.format().readIndex(store, location, store.stat(location).size());
            if (!sameContent(remote, segment.index())) {
                // Another run committed this sequence first with other lines: its history wins.
                LOG.warn("{} was committed by an earlier run with other lines; resuming after it", location);
                StreamState after = StreamState.after(remote);
                stream.resetTo(after);
                Files.deleteIfExists(segment.file());
                return;
            }
            // An earlier attempt of this very upload got through: it is committed.
        }
        // The stream saved its state when it sealed the segment; committed, the spool file can go.
        SegmentIndex index = segment.index();
        Files.deleteIfExists(segment.file());
        metrics.shipped(index.bytes(), index.lines());
        LOG.info("committed {} ({} lines, {} bytes)", location, index.lines(), index.bytes());
        listener.committed(stream, location, index);
    }

    private static StreamState await(Future<StreamState> recovery) throws IOException {
        try {
            return recovery.get();
        } catch (ExecutionException e) {
            // The program ends on this failure (storage refused us); until then, uploads wait.
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for recovery");
        }
    }

    private static boolean sameContent(SegmentIndex a, SegmentIndex b) {
        return a.firstByte() == b.firstByte() && a.bytes() == b.bytes() && a.runs().equals(b.runs()) && a.positions().equals(b.positions());
    }

    @Override
    public void close() {
        stopped = true;
        uploads.close();
        synchronized (this) {
            notifyAll();
        }
    }
}
