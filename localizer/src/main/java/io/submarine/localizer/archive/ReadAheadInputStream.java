package io.submarine.localizer.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream on a background thread into a few fixed chunks, so that the work of reading
 * (decompressing, hashing) runs on one core while the caller's runs on another, as GNU tar does
 * with a separate zstd or gzip process. The chunks are made as needed, then handed back and
 * forth: memory is {@code chunks * chunkSize} at most, and a stream of any length makes no garbage. A failure of
 * the reader surfaces, unchanged, from the next {@code read}.
 *
 * <p>Once {@code read} has returned -1, the reader thread has read the source to its end and
 * touches it no more, so the caller may read what the source holds (a digest, say) without a race.
 */
final class ReadAheadInputStream extends InputStream {

    /** A filled chunk: {@code length} bytes of {@code data}; an empty one marks the end. */
    private record Chunk(byte[] data, int length) {}

    private static final Chunk END = new Chunk(new byte[0], 0);

    private final BlockingQueue<Object> filled;
    private final BlockingQueue<byte[]> empty;
    private final int chunkCount;
    private final int chunkSize;
    /** Chunks made so far; the reader thread's alone. */
    private int made;
    private volatile boolean closed;
    private Chunk current = new Chunk(new byte[0], 0);
    private int position;
    private boolean ended;

    ReadAheadInputStream(InputStream source, int chunkCount, int chunkSize) {
        this.filled = new ArrayBlockingQueue<>(chunkCount + 1);
        this.empty = new ArrayBlockingQueue<>(chunkCount);
        this.chunkCount = chunkCount;
        this.chunkSize = chunkSize;
        // The source is the caller's to close. Interrupting the reader would close an
        // interruptible channel under it, so closing only tells the reader to stop.
        Thread reader = new Thread(() -> {
            try {
                byte[] chunk;
                while ((chunk = nextEmpty()) != null) {
                    int length = source.readNBytes(chunk, 0, chunk.length);
                    if (length > 0) {
                        filled.add(new Chunk(chunk, length));
                    }
                    if (length < chunk.length) {
                        filled.add(END);
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                filled.add(e);
            }
        }, "read-ahead");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * A chunk to fill: one the consumer is done with, or a new one while fewer than
     * {@code chunkCount} exist (a small stream needs one, not all); {@code null} once closed.
     */
    private byte[] nextEmpty() {
        byte[] chunk = closed ? null : empty.poll();
        if (chunk == null && !closed && made < chunkCount) {
            made++;
            return new byte[chunkSize];
        }
        return chunk != null ? chunk : takeEmpty();
    }

    /** Waits for a chunk the consumer is done with; {@code null} once the consumer has closed the stream. */
    private byte[] takeEmpty() {
        try {
            while (!closed) {
                byte[] chunk = empty.poll(100, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    return chunk;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        while (position == current.length()) {
            if (current.length() > 0) {
                empty.add(current.data());
            }
            Object next;
            try {
                next = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading ahead");
            }
            if (next instanceof IOException io) {
                ended = true;
                throw io;
            }
            if (next instanceof RuntimeException runtime) {
                ended = true;
                throw runtime;
            }
            current = (Chunk) next;
            position = 0;
            if (current == END) {
                ended = true;
                return false;
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current.data()[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        System.arraycopy(current.data(), position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        filled.clear();
    }
}
