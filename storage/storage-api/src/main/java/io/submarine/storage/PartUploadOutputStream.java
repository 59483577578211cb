package io.submarine.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;

/**
 * The streaming write shared by blob stores that upload in parts (S3 multipart, Azure staged
 * blocks): bytes fill one part buffer; the first full buffer begins an upload, and each full
 * buffer uploads in the background while the next fills. An object smaller than one part is a
 * single request. Any failure aborts the upload, so nothing becomes visible.
 *
 * <p>Memory is at most {@code (concurrency + 1) * partSize}, whatever the object's size.
 */
public abstract class PartUploadOutputStream extends BlobOutputStream {

    private static final int FIRST_BUFFER = 64 * 1024;

    protected final Location location;
    private final int partSize;
    private final Semaphore inFlight;
    private final Executor executor;
    private final List<FutureTask<String>> parts = new ArrayList<>();

    private byte[] buffer;
    private int filled;
    private boolean begun;
    private boolean done;

    protected PartUploadOutputStream(Location location, int partSize, int concurrency, Executor executor) {
        this.location = location;
        this.partSize = partSize;
        this.inFlight = new Semaphore(concurrency);
        this.executor = executor;
        this.buffer = new byte[Math.min(partSize, FIRST_BUFFER)];
    }

    /** Writes the whole object in one request: it was smaller than one part. */
    protected abstract void putWhole(ByteBuffer data) throws IOException;

    /** Starts the upload, before the first part. */
    protected abstract void begin() throws IOException;

    /** Uploads part {@code partNumber} (from 1), on the executor; returns what {@link #complete} needs of it. */
    protected abstract String uploadPart(int partNumber, ByteBuffer data) throws IOException;

    /** Commits the parts, in order, as the object. */
    protected abstract void complete(List<String> partTokens) throws IOException;

    /** Discards the upload and its parts, best effort: the server may be gone. */
    protected abstract void abortUpload(IOException cause);

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (done) {
            throw new IOException("stream closed: " + location);
        }
        while (len > 0) {
            if (filled == buffer.length) {
                if (buffer.length < partSize) {
                    // Grow lazily so that small objects don't each cost a whole part of memory.
                    buffer = Arrays.copyOf(buffer, (int) Math.min(partSize, buffer.length * 4L));
                } else {
                    uploadBuffer();
                }
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    private void uploadBuffer() throws IOException {
        try {
            if (!begun) {
                begin();
                begun = true;
            }
            for (FutureTask<String> part : parts) {
                if (part.isDone()) {
                    await(part); // fail fast when a background part already failed
                }
            }
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(new InterruptedIOException("interrupted while uploading " + location));
        } catch (IOException e) {
            throw failed(e);
        }
        ByteBuffer data = ByteBuffer.wrap(buffer, 0, filled);
        int partNumber = parts.size() + 1;
        FutureTask<String> part = new FutureTask<>(() -> {
            try {
                return uploadPart(partNumber, data);
            } finally {
                inFlight.release();
            }
        });
        parts.add(part);
        executor.execute(part);
        buffer = new byte[partSize];
        filled = 0;
    }

    private String await(FutureTask<String> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading " + location);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new BlobFatalException(location, "part upload failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        try {
            if (!begun) {
                putWhole(ByteBuffer.wrap(buffer, 0, filled));
            } else {
                uploadBuffer();
                List<String> tokens = new ArrayList<>();
                for (FutureTask<String> part : parts) {
                    tokens.add(await(part));
                }
                complete(tokens);
            }
        } catch (IOException e) {
            throw failed(e);
        } finally {
            done = true;
            buffer = null;
        }
    }

    @Override
    public void abort() {
        failed(null);
    }

    private IOException failed(IOException cause) {
        if (!done) {
            done = true;
            buffer = null;
            parts.forEach(p -> p.cancel(true));
            if (begun) {
                abortUpload(cause);
            }
        }
        return cause;
    }
}
