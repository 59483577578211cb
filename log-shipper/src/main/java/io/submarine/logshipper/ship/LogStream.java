package io.submarine.logshipper.ship;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SealedSegment;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.logsegment.SegmentWriter;
import io.submarine.storage.Location;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One output stream: the lines of one container, or of a group of files, cut into segments
 * under {@code logs/<name>/<restart>/} in the order they were read.
 *
 * <p>Sources append whole lines together with the position they reach, so a sealed segment's
 * index says exactly where every source stood after it. When the remote turns out to hold a
 * different history than this process wrote (another run committed a segment first),
 * {@link #resetTo} rewinds to it and bumps the generation: appends from readers that have not
 * noticed yet are refused, and each reader seeks to its new {@link #position} before going on.
 */
public final class LogStream {

    /** Receives each segment as it is sealed, in sequence order. */
    @FunctionalInterface
    public interface SealedSink {
        void accept(LogStream stream, SealedSegment segment, int generation);
    }

    private final String name;
    private final int restart;
    private final Location directory;
    private final SegmentFormat format;
    private final Path spoolDirectory;
    private final long maxSegmentBytes;
    private final Clock clock;
    private final SealedSink sink;

    private int generation;
    private long nextSequence;
    private long bytes;
    private long lines;
    private final Map<String, Position> positions = new HashMap<>();
    private SegmentWriter open;
    private long openFirstByte;
    private long openFirstLine;

    public LogStream(String name, int restart, Location directory, SegmentFormat format, Path spoolDirectory, long maxSegmentBytes, Clock clock,
            StreamState start, SealedSink sink) {
        this.name = name;
        this.restart = restart;
        this.directory = directory.asDirectory();
        this.format = format;
        this.spoolDirectory = spoolDirectory;
        this.maxSegmentBytes = maxSegmentBytes;
        this.clock = clock;
        this.sink = sink;
        restore(start);
    }

    public String name() {
        return name;
    }

    public int restart() {
        return restart;
    }

    /** Where this stream's segments go. */
    public Location directory() {
        return directory;
    }

    /** The object of segment {@code sequence}. */
    public Location segmentLocation(SealedSegment segment) {
        return directory.resolve(segment.objectName());
    }

    public SegmentFormat format() {
        return format;
    }

    /** A key for checkpoints and metrics: {@code <name>/<restart>}. */
    public String key() {
        return name + "/" + restart;
    }

    public synchronized int generation() {
        return generation;
    }

    /** Where {@code source} stands in what this stream has read; {@link Position#START} if new. */
    public synchronized Position position(String source) {
        return positions.getOrDefault(source, Position.START);
    }

    /**
     * Appends {@code length} bytes ({@code count} whole lines, or a final partial one) of
     * {@code source}, which then stands at {@code after}. A zero-length append only moves the
     * position (a rotation, say).
     *
     * @return false if the stream was rewound since {@code readerGeneration}: nothing was
     *     appended, and the reader must seek to {@link #position} again
     * @throws SpoolException if the spool could not be written
     */
    public synchronized boolean append(String source, int readerGeneration, byte[] data, int offset, int length, long count, Position after)
            throws SpoolException {
        if (readerGeneration != generation) {
            return false;
        }
        try {
            write(source, data, offset, length, count, after);
        } catch (IOException e) {
            throw new SpoolException(key(), e);
        }
        return true;
    }

    private void write(String source, byte[] data, int offset, int length, long count, Position after) throws IOException {
        if (length > 0) {
            if (open == null) {
                openFirstByte = bytes;
                openFirstLine = lines;
                open = new SegmentWriter(spoolDirectory.resolve(key().replace('/', '-') + "-" + format.objectName(nextSequence)), format, clock.instant());
            }
            open.write(source, data, offset, length, count, position(source));
            bytes += length;
            lines += count;
        }
        positions.put(source, after);
        if (open != null && open.bytes() >= maxSegmentBytes) {
            seal();
        }
    }

    /** Seals the open segment if it has been open for {@code age} or longer. */
    public synchronized void sealIfOlderThan(Duration age) throws IOException {
        if (open != null && !open.opened().plus(age).isAfter(clock.instant())) {
            seal();
        }
    }

    /** Seals the open segment, if any, and hands it to the sink. */
    public synchronized void seal() throws IOException {
        if (open == null) {
            return;
        }
        SegmentWriter sealing = open;
        open = null;
        SealedSegment segment = sealing.seal(name, restart, nextSequence, openFirstByte, openFirstLine, positions, clock.instant());
        nextSequence++;
        sink.accept(this, segment, generation);
    }

    /** Rewinds to {@code committed}: drops what was read after it; readers seek again. */
    public synchronized void resetTo(StreamState committed) throws IOException {
        if (open != null) {
            open.discard();
            open = null;
        }
        generation++;
        restore(committed);
    }

    private void restore(StreamState state) {
        nextSequence = state.nextSequence();
        bytes = state.bytes();
        lines = state.lines();
        positions.clear();
        positions.putAll(state.positions());
    }

    /** Bytes and lines read into this stream so far (shipped or not). */
    public synchronized long bytesRead() {
        return bytes;
    }

    public synchronized long linesRead() {
        return lines;
    }

    /** When the open segment was opened, if one is. */
    public synchronized Instant openSince() {
        return open == null ? null : open.opened();
    }
}
