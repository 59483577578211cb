package io.submarine.localizer.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream on a background thread into a few fixed chunks, so that decompression runs on
 * one core while the caller unpacks and writes on another, as GNU tar does with a separate zstd
 * or gzip process. Memory is {@code chunks * chunkSize} at most; a failure of the reader
 * surfaces, unchanged, from the next {@code read}.
 */
final class ReadAheadInputStream extends InputStream {

    private static final byte[] END = new byte[0];

    private final BlockingQueue<Object> chunks;
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    ReadAheadInputStream(InputStream source, int chunkCount, int chunkSize) {
        this.chunks = new ArrayBlockingQueue<>(chunkCount);
        // The source is the caller's to close. Interrupting the reader would close an
        // interruptible channel under it, so closing only tells the reader to stop.
        Thread reader = new Thread(() -> {
            try {
                while (!closed) {
                    byte[] chunk = new byte[chunkSize];
                    int filled = source.readNBytes(chunk, 0, chunkSize);
                    if (filled > 0) {
                        put(filled == chunkSize ? chunk : Arrays.copyOf(chunk, filled));
                    }
                    if (filled < chunkSize) {
                        put(END);
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                put(e);
            }
        }, "read-ahead");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for room, giving up once the consumer has closed the stream. */
    private void put(Object item) {
        try {
            while (!closed && !chunks.offer(item, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // The consumer is busy writing; wait for it.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        while (position == current.length) {
            Object next;
            try {
                next = chunks.take();
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
            current = (byte[]) next;
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
        return fill() ? current[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        chunks.clear();
    }
}
