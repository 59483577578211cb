package io.submarine.logsegment;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The open segment of a stream: lines are compressed into a local file as they arrive, and
 * {@link #seal} appends the index, ready for upload. {@link #sync} makes what was written so far
 * durable (a flushed compressor, forced to disk), so that a restart takes those lines from the
 * spool instead of the sources, which rotation may have taken away meanwhile; {@link #resume}
 * starts a writer again from such a prefix.
 */
public final class SegmentWriter {

    private final Path file;
    private final SegmentFormat format;
    private final FileChannel channel;
    private final OutputStream raw;
    private final OutputStream compressed;
    private final Instant opened;
    private final List<SegmentIndex.Run> runs = new ArrayList<>();
    private long bytes;
    private long lines;

    public SegmentWriter(Path file, SegmentFormat format, Instant opened) throws IOException {
        this.file = file;
        this.format = format;
        this.opened = opened;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.raw = new BufferedOutputStream(Channels.newOutputStream(channel), 256 * 1024);
        this.compressed = format.compressor(raw);
    }

    /**
     * Appends {@code length} bytes holding {@code count} lines of {@code source}, which stood at
     * {@code before} (its totals) until now.
     */
    public void write(String source, byte[] data, int offset, int length, long count, Position before) throws IOException {
        compressed.write(data, offset, length);
        SegmentIndex.Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
        if (last != null && last.source().equals(source) && last.segmentOffset() + last.length() == bytes
                && last.sourceByte() + last.length() == before.bytes()) {
            runs.set(runs.size() - 1, new SegmentIndex.Run(source, last.segmentOffset(), last.length() + length, last.sourceByte(),
                    last.sourceLine(), last.lines() + count));
        } else {
            runs.add(new SegmentIndex.Run(source, bytes, length, before.bytes(), before.lines(), count));
        }
        bytes += length;
        lines += count;
    }

    /**
     * Starts a writer at {@code file} (which must not exist) holding again the {@code runs} of a
     * segment synced before a restart: their bytes, in order, from {@code recovered}.
     */
    public static SegmentWriter resume(Path file, SegmentFormat format, Instant opened, List<SegmentIndex.Run> runs, InputStream recovered)
            throws IOException {
        SegmentWriter writer = new SegmentWriter(file, format, opened);
        try {
            byte[] chunk = new byte[64 * 1024];
            for (SegmentIndex.Run run : runs) {
                for (long left = run.length(); left > 0; ) {
                    int read = recovered.read(chunk, 0, (int) Math.min(chunk.length, left));
                    if (read < 0) {
                        throw new EOFException(file + ": the synced segment ends before the bytes its record lists");
                    }
                    writer.compressed.write(chunk, 0, read);
                    left -= read;
                }
                writer.runs.add(run);
                writer.bytes += run.length();
                writer.lines += run.lines();
            }
            return writer;
        } catch (IOException | RuntimeException e) {
            writer.discard();
            throw e;
        }
    }

    /**
     * Makes everything written so far durable: compressed, written and forced to disk.
     *
     * @return the file's length, all of it decompressible by {@link SegmentFormat#syncedBytes}
     */
    public long sync() throws IOException {
        compressed.flush();
        raw.flush();
        channel.force(false);
        return channel.size();
    }

    public Path file() {
        return file;
    }

    public List<SegmentIndex.Run> runs() {
        return List.copyOf(runs);
    }

    public long bytes() {
        return bytes;
    }

    public Instant opened() {
        return opened;
    }

    /** Finishes the file with its index; the writer is done afterwards. */
    public SealedSegment seal(String stream, int restart, long sequence, long firstByte, long firstLine, Map<String, Position> positions,
            Instant sealed) throws IOException {
        try {
            compressed.close();
            SegmentIndex index = new SegmentIndex(SegmentIndex.FORMAT, stream, restart, sequence, firstByte, firstLine, bytes, lines, runs,
                    positions, opened.toString(), sealed.toString());
            format.writeIndex(raw, index);
            raw.flush();
            // Durable before the stream's state moves past it: a restart uploads it from here.
            channel.force(false);
            return new SealedSegment(file, format, index, channel.size());
        } finally {
            channel.close();
        }
    }

    /** Drops the local file: its lines will be read again from their sources. */
    public void discard() throws IOException {
        try {
            compressed.close();
        } catch (IOException alreadyBroken) {
            // Closing only frees the compressor; the file goes anyway.
        }
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
