package io.submarine.metrics.ship;

import io.submarine.metrics.events.Event;
import io.submarine.metrics.events.TfRecords;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event file under the logdir, as far as the sidecar has read and shipped it. The file is its
 * own spool: a {@link Piece} is a byte range of it, cut at record boundaries and uploaded straight
 * from it, and the file stays open, so a writer that deletes it does not take unshipped bytes along.
 */
final class EventFile {

    private static final Logger LOG = LoggerFactory.getLogger(EventFile.class);

    /** Bytes {@code [start, end)} of {@code file}: whole records, a valid event file of their own. */
    record Piece(EventFile file, long start, long end) {
        long length() {
            return end - start;
        }
    }

    /** When the bytes up to {@code end} were read: the lag is the age of the oldest batch not committed. */
    private record Batch(long end, Instant read) {}

    private final String relativePath;
    private final String run;
    private final Path path;
    private FileChannel channel;
    private TfRecords.Scanner scanner;
    /** End of the last whole record read. */
    private long readable;
    /** End of what was handed to the uploader. */
    private long queued;
    /** End of what storage holds. */
    private long committed;
    /** Record boundaries after {@code queued} where a piece ends because it reached --piece-bytes. */
    private final Deque<Long> cuts = new ArrayDeque<>();
    private final Deque<Batch> unshipped = new ArrayDeque<>();
    private String stopped;

    /** {@code relativePath} is '/'-separated under the logdir; the bytes up to {@code committed} are in storage already. */
    EventFile(String relativePath, Path path, long committed) {
        this.relativePath = relativePath;
        int slash = relativePath.lastIndexOf('/');
        this.run = slash < 0 ? "." : relativePath.substring(0, slash);
        this.path = path;
        this.readable = committed;
        this.queued = committed;
        this.committed = committed;
    }

    String relativePath() {
        return relativePath;
    }

    /** The run the file belongs to, as TensorBoard names it: its directory under the logdir, "." at the top. */
    String run() {
        return run;
    }

    /** The open file, for reading a piece back; null before it was first read. */
    synchronized FileChannel channel() {
        return channel;
    }

    /**
     * Reads the whole records written since the last call, handing each scalar to {@code metrics};
     * returns the bytes read. A record cut short is left for the next call: the writer is still writing.
     */
    synchronized long read(long pieceBytes, SidecarMetrics metrics, Instant now) throws IOException {
        if (stopped != null) {
            return 0;
        }
        if (!open(metrics)) {
            return 0;
        }
        if (channel.size() <= readable) {
            return 0; // nothing new: one stat, no read
        }
        long start = readable;
        long lastCut = cuts.isEmpty() ? queued : cuts.peekLast();
        while (true) {
            TfRecords.Read read = scanner.next();
            if (read instanceof TfRecords.Record record) {
                metrics.read(record.next() - record.offset());
                try {
                    for (Event.Scalar scalar : Event.decode(record.data()).scalars()) {
                        metrics.scalar(run, scalar.tag(), scalar.step(), scalar.value());
                    }
                } catch (IllegalArgumentException malformed) {
                    metrics.malformed();
                }
                readable = record.next();
            } else if (read instanceof TfRecords.BadData bad) {
                metrics.badData();
                LOG.warn("{}: the record at byte {} fails its data CRC; it is skipped (and shipped as it is)", relativePath, bad.offset());
                readable = bad.next();
            } else if (read instanceof TfRecords.BadLength bad) {
                stop(metrics, "the record at byte " + bad.offset() + " is unreadable (" + bad.why() + "); nothing after it can be found, "
                        + "so the file is shipped up to that byte only");
                break;
            } else {
                break;
            }
            if (readable - lastCut >= pieceBytes) {
                cuts.add(readable);
                lastCut = readable;
            }
        }
        if (readable > start) {
            unshipped.add(new Batch(readable, now));
        }
        return readable - start;
    }

    private void stop(SidecarMetrics metrics, String why) {
        stopped = why;
        metrics.stopped(relativePath);
        LOG.error("event file {} stopped: {}", relativePath, why);
    }

    /** The pieces to upload now: those cut at --piece-bytes, and with {@code flush} the rest read so far. */
    synchronized List<Piece> takePieces(boolean flush) {
        List<Piece> pieces = new ArrayList<>();
        while (!cuts.isEmpty()) {
            long end = cuts.poll();
            pieces.add(new Piece(this, queued, end));
            queued = end;
        }
        if (flush && readable > queued) {
            pieces.add(new Piece(this, queued, readable));
            queued = readable;
        }
        return pieces;
    }

    /**
     * Opens the file if it is not open yet, for reading on and for reading pieces back; false if
     * it is not there, or stopped (shorter than what storage holds of it).
     */
    synchronized boolean open(SidecarMetrics metrics) throws IOException {
        if (channel != null) {
            return stopped == null;
        }
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException gone) {
            return false;
        }
        if (channel.size() < committed) {
            stop(metrics, "it is shorter (" + channel.size() + " bytes) than what storage holds of it (" + committed
                    + " bytes): another file took its name; it is not shipped");
            return false;
        }
        scanner = new TfRecords.Scanner(channel, readable, Long.MAX_VALUE);
        return true;
    }

    /** Storage holds this file up to {@code end}. */
    synchronized void committed(long end) {
        committed = Math.max(committed, end);
        while (!unshipped.isEmpty() && unshipped.peek().end() <= committed) {
            unshipped.poll();
        }
    }

    synchronized long committed() {
        return committed;
    }

    /** Whole records read but not in storage yet. */
    synchronized long unshippedBytes() {
        return readable - committed;
    }

    /** When the oldest byte not in storage was read, or null. */
    synchronized Instant oldestUnshipped() {
        Batch oldest = unshipped.peek();
        return oldest == null ? null : oldest.read();
    }

    /** Why the file stopped, or null while it is read. */
    synchronized String stopped() {
        return stopped;
    }

    synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
