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

    /** Keeps the stream's durable state (the checkpoint), saved whenever it moves. */
    @FunctionalInterface
    public interface StateSink {
        StateSink NONE = (key, state) -> { };

        void save(String key, StreamState state) throws IOException;
    }

    private final String name;
    private final int restart;
    private final Location directory;
    private final SegmentFormat format;
    private final Path spoolDirectory;
    private final long maxSegmentBytes;
    private final Clock clock;
    private final SealedSink sink;
    private final StateSink stateSink;

    private int generation;
    private long nextSequence;
    private long bytes;
    private long lines;
    private final Map<String, Position> positions = new HashMap<>();
    private SegmentWriter open;
    private long openFirstByte;
    private long openFirstLine;
    /** Where the sources stood when the open segment was opened. */
    private Map<String, Position> openBefore = Map.of();
    /** Whether anything moved since the state was last saved. */
    private boolean dirty;

    public LogStream(String name, int restart, Location directory, SegmentFormat format, Path spoolDirectory, long maxSegmentBytes, Clock clock,
            StreamState start, SealedSink sink) {
        this(name, restart, directory, format, spoolDirectory, maxSegmentBytes, clock, start, null, sink, StateSink.NONE);
    }

    /**
     * @param start the durable state to go on from
     * @param resumed the open segment of {@code start}, written again from the spool after a restart; null if none
     */
    public LogStream(String name, int restart, Location directory, SegmentFormat format, Path spoolDirectory, long maxSegmentBytes, Clock clock,
            StreamState start, SegmentWriter resumed, SealedSink sink, StateSink stateSink) {
        this.name = name;
        this.restart = restart;
        this.directory = directory.asDirectory();
        this.format = format;
        this.spoolDirectory = spoolDirectory;
        this.maxSegmentBytes = maxSegmentBytes;
        this.clock = clock;
        this.sink = sink;
        this.stateSink = stateSink;
        restore(start);
        if (resumed != null) {
            open = resumed;
            openFirstByte = start.open().firstByte();
            openFirstLine = start.open().firstLine();
            openBefore = start.open().before();
        }
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
                openBefore = Map.copyOf(positions);
                open = new SegmentWriter(spoolDirectory.resolve(Spool.fileName(key(), format, nextSequence, 0)), format, clock.instant());
            }
            open.write(source, data, offset, length, count, position(source));
            bytes += length;
            lines += count;
        }
        positions.put(source, after);
        dirty = true;
        if (open != null && open.bytes() >= maxSegmentBytes) {
            seal();
        }
    }

    /**
     * Makes what was read so far durable, if anything moved since the last time: the open
     * segment's bytes forced to disk, then the state saved. A restart reads again only what was
     * read after this.
     */
    public synchronized void sync() throws IOException {
        if (!dirty) {
            return;
        }
        StreamState.OpenSegment synced = null;
        if (open != null) {
            long length = open.sync();
            synced = new StreamState.OpenSegment(open.file().getFileName().toString(), length, openFirstByte, openFirstLine, open.opened().toString(),
                    open.runs(), openBefore);
        }
        saveState(new StreamState(nextSequence, bytes, lines, positions, synced));
    }

    private void saveState(StreamState state) throws IOException {
        stateSink.save(key(), state);
        dirty = false;
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
        // Saved before the upload can drop the file: a restart finds the state at or after it.
        saveState(new StreamState(nextSequence, bytes, lines, positions, null));
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
        saveState(committed);
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
