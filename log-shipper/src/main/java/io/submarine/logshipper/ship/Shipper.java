package io.submarine.logshipper.ship;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SegmentJson;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobStore;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the streams once the sources are reading: seals segments by age, syncs what they read to
 * the spool every {@code syncInterval}, and at shutdown drains
 * the sources, seals what is open, waits for the uploads and writes each stream's
 * {@code _COMPLETE}, all within one deadline.
 */
public final class Shipper {

    private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);

    /** Something that reads into the streams and can be drained at shutdown. */
    public interface Source {
        /** Reads what is left and stops, within {@code timeout}. */
        void drain(Duration timeout) throws IOException, InterruptedException;

        /** What this source could not read by the end of its drain, or null if it read everything. */
        default String unread() {
            return null;
        }
    }

    /** How shutdown went; {@code problem} is null when everything was shipped and completed. */
    public record Outcome(ExitCode exitCode, String problem) {
        static final Outcome COMPLETE = new Outcome(ExitCode.OK, null);

        static Outcome leftWork(String problem) {
            return new Outcome(ExitCode.DEADLINE, problem);
        }

        public boolean complete() {
            return problem == null;
        }
    }

    private final List<LogStream> streams = new CopyOnWriteArrayList<>();
    private final List<Source> sources = new CopyOnWriteArrayList<>();
    private final Uploader uploader;
    private final Checkpoint checkpoint;
    private final BlobStore store;
    private final Duration segmentAge;
    private final Duration syncInterval;
    private final Clock clock;
    private final ScheduledExecutorService sealer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "segment-sealer");
        thread.setDaemon(true);
        return thread;
    });
    private Outcome outcome;

    public Shipper(Uploader uploader, Checkpoint checkpoint, BlobStore store, Duration segmentAge, Duration syncInterval, Clock clock) {
        this.syncInterval = syncInterval;
        this.uploader = uploader;
        this.checkpoint = checkpoint;
        this.store = store;
        this.segmentAge = segmentAge;
        this.clock = clock;
    }

    /** A stream to seal by age and to complete at shutdown; streams may come later (a container restarts). */
    public void register(LogStream stream) {
        streams.add(stream);
    }

    /** A source to drain at shutdown. */
    public void add(Source source) {
        sources.add(source);
    }

    public void start() {
        long period = Math.max(50, Math.min(1000, segmentAge.toMillis() / 4));
        sealer.scheduleWithFixedDelay(this::sealOld, period, period, TimeUnit.MILLISECONDS);
        sealer.scheduleWithFixedDelay(this::sync, syncInterval.toMillis(), syncInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Makes what each stream read durable on the pod's volume, so a restart reads at most one interval again. */
    private void sync() {
        for (LogStream stream : streams) {
            try {
                stream.sync();
            } catch (IOException | RuntimeException e) {
                LOG.error("syncing stream {} to the spool failed: {}", stream.key(), e.toString());
            }
        }
    }

    private void sealOld() {
        for (LogStream stream : streams) {
            try {
                stream.sealIfOlderThan(segmentAge);
            } catch (IOException | RuntimeException e) {
                LOG.error("sealing a segment of {} failed: {}", stream.key(), e.toString());
            }
        }
    }

    /** Seconds since the oldest line not yet committed was read; 0 when all is shipped. */
    public double lagSeconds() {
        java.time.Instant oldest = uploader.oldestWaiting();
        for (LogStream stream : streams) {
            java.time.Instant open = stream.openSince();
            if (open != null && (oldest == null || open.isBefore(oldest))) {
                oldest = open;
            }
        }
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    }

    /** Ships everything read so far and completes every stream, by {@code deadline}; runs once. */
    public synchronized Outcome shutdown(Duration deadline) {
        if (outcome != null) {
            return outcome;
        }
        long end = System.nanoTime() + deadline.toNanos();
        sealer.shutdownNow();
        try {
            for (Source source : sources) {
                source.drain(left(end).dividedBy(4));
            }
            for (LogStream stream : streams) {
                stream.seal();
                // Saves what moved without bytes after the last seal (a loss, a rotation).
                stream.sync();
            }
            if (!uploader.awaitEmpty(left(end))) {
                outcome = Outcome.leftWork(String.format("the %s shutdown deadline passed with %d segments (%d bytes compressed) not uploaded; "
                        + "they stay in the spool and their lines are read again from the sources on the next start; _COMPLETE not written",
                        deadline, uploader.waitingSegments(), uploader.spoolBytes()));
                return outcome;
            }
            List<String> unread = sources.stream().map(Source::unread).filter(Objects::nonNull).toList();
            if (!unread.isEmpty()) {
                // The streams are not complete: a later start in this pod reads on from the checkpoint.
                outcome = new Outcome(ExitCode.UNREACHABLE, String.join("; ", unread) + "; _COMPLETE not written");
                return outcome;
            }
            for (LogStream stream : streams) {
                writeComplete(stream);
            }
            outcome = Outcome.COMPLETE;
        } catch (IOException | RuntimeException e) {
            outcome = Outcome.leftWork("shutdown failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = Outcome.leftWork("shutdown interrupted");
        }
        return outcome;
    }

    private void writeComplete(LogStream stream) throws IOException {
        StreamState state = checkpoint.get(stream.key());
        long lostBytes = state.positions().values().stream().mapToLong(Position::lostBytes).sum();
        long gaps = state.positions().values().stream().mapToLong(Position::gaps).sum();
        Map<String, Object> totals = SegmentJson.fields("format", 1, "stream", stream.name(), "restart", stream.restart(), "segments",
                state.nextSequence(), "bytes", state.bytes(), "lines", state.lines(), "lostBytes", lostBytes, "gaps", gaps,
                "sources", new ArrayList<>(state.positions().keySet()), "completed", clock.instant().toString());
        store.write(stream.directory().resolve("_COMPLETE"), new ByteArrayInputStream(SegmentJson.write(totals)), WriteMode.OVERWRITE);
        if (gaps > 0) {
            LOG.warn("stream {} complete with {} gaps: {} bytes known lost (deleted or overwritten before they were read; each was logged)",
                    stream.key(), gaps, lostBytes);
        }
        LOG.info("stream {} complete: {} lines, {} bytes in {} segments", stream.key(), state.lines(), state.bytes(), state.nextSequence());
    }

    private static Duration left(long end) {
        return Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime()));
    }
}
