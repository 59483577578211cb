package io.submarine.storage.s3;

import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A write of unknown length: fills one part buffer; the first full buffer starts a multipart
 * upload, and each full buffer is uploaded in the background while the next one fills.
 * Memory is at most {@code (concurrency + 1) * partSize}, whatever the object's size.
 */
final class S3OutputStream extends BlobOutputStream {

    private final S3Client client;
    private final ExecutorService uploads;
    private final Location location;
    private final S3Location s3;
    private final WriteMode mode;
    private final int partSize;
    private final Semaphore inFlight;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();

    private byte[] buffer;
    private int filled;
    private String uploadId;
    private boolean done;

    S3OutputStream(S3Client client, ExecutorService uploads, Location location, S3Location s3, WriteMode mode, int partSize, int concurrency) {
        this.client = client;
        this.uploads = uploads;
        this.location = location;
        this.s3 = s3;
        this.mode = mode;
        this.partSize = partSize;
        this.inFlight = new Semaphore(concurrency);
        this.buffer = new byte[Math.min(partSize, 64 * 1024)];
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            if (filled == buffer.length) {
                if (buffer.length < partSize) {
                    // Grow lazily so small objects don't each cost a whole part of memory.
                    buffer = java.util.Arrays.copyOf(buffer, Math.min(partSize, buffer.length * 4));
                } else {
                    uploadFullPart();
                }
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    private void ensureOpen() throws IOException {
        if (done) {
            throw new IOException("stream closed: " + location);
        }
    }

    private void uploadFullPart() throws IOException {
        try {
            if (uploadId == null) {
                uploadId = client.createMultipartUpload(b -> b.bucket(s3.bucket()).key(s3.key())).uploadId();
            }
            checkFinishedParts();
            inFlight.acquire();
        } catch (SdkException e) {
            throw failed(S3Errors.classify(location, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(new InterruptedIOException("interrupted while uploading " + location));
        } catch (IOException e) {
            throw failed(e);
        }
        byte[] part = buffer;
        int length = filled;
        int partNumber = parts.size() + 1;
        String id = uploadId;
        parts.add(uploads.submit(() -> {
            try {
                String etag = client.uploadPart(b -> b.bucket(s3.bucket()).key(s3.key()).uploadId(id).partNumber(partNumber),
                        RequestBody.fromByteBuffer(java.nio.ByteBuffer.wrap(part, 0, length))).eTag();
                return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
            } finally {
                inFlight.release();
            }
        }));
        buffer = new byte[partSize];
        filled = 0;
    }

    /** Fails fast when a background part already failed, instead of uploading more. */
    private void checkFinishedParts() throws IOException {
        for (Future<CompletedPart> part : parts) {
            if (part.isDone()) {
                await(part);
            }
        }
    }

    private CompletedPart await(Future<CompletedPart> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading " + location);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SdkException sdk) {
                throw S3Errors.classify(location, sdk);
            }
            throw new BlobTransientException(location, "part upload failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        try {
            if (uploadId == null) {
                putWhole();
            } else {
                completeMultipart();
            }
        } catch (IOException e) {
            throw failed(e);
        } catch (SdkException e) {
            throw failed(S3Errors.classify(location, e));
        } finally {
            done = true;
            buffer = null;
        }
    }

    private void putWhole() {
        client.putObject(b -> {
            b.bucket(s3.bucket()).key(s3.key());
            if (mode == WriteMode.CREATE_IF_ABSENT) {
                b.ifNoneMatch("*");
            }
        }, RequestBody.fromByteBuffer(java.nio.ByteBuffer.wrap(buffer, 0, filled)));
    }

    private void completeMultipart() throws IOException {
        uploadFullPart();
        List<CompletedPart> completed = new ArrayList<>();
        for (Future<CompletedPart> part : parts) {
            completed.add(await(part));
        }
        client.completeMultipartUpload(b -> {
            b.bucket(s3.bucket()).key(s3.key()).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build());
            if (mode == WriteMode.CREATE_IF_ABSENT) {
                b.ifNoneMatch("*");
            }
        });
    }

    @Override
    public void abort() {
        if (done) {
            return;
        }
        done = true;
        buffer = null;
        parts.forEach(p -> p.cancel(true));
        if (uploadId != null) {
            abortQuietly(client, s3, uploadId, null);
        }
    }

    /** Aborts the upload so no parts linger (and cost), and returns {@code e} to rethrow. */
    private IOException failed(IOException e) {
        if (!done) {
            done = true;
            parts.forEach(p -> p.cancel(true));
            if (uploadId != null) {
                abortQuietly(client, s3, uploadId, e);
            }
        }
        return e;
    }

    static void abortQuietly(S3Client client, S3Location s3, String uploadId, Exception cause) {
        try {
            client.abortMultipartUpload(b -> b.bucket(s3.bucket()).key(s3.key()).uploadId(uploadId));
        } catch (SdkException e) {
            // The server may be gone; a lifecycle rule must clean up (see README). Keep the first failure.
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }
}
