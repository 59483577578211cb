package io.submarine.metrics.ship;

import io.submarine.logsegment.OrderedUploads;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads pieces in the order they were cut ({@link OrderedUploads}: one at a time, each retried
 * with backoff for as long as it runs), with create-if-absent, straight from the event file: while
 * storage is down the pieces just wait, the file holds them.
 */
final class PieceUploader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PieceUploader.class);

    /** Told about every committed piece, in order (the metastore reports go here). */
    @FunctionalInterface
    interface CommitListener {
        void committed(EventFile.Piece piece, Location location);
    }

    private final BlobStore store;
    private final RemoteLogdir remote;
    private final SidecarMetrics metrics;
    private final CommitListener listener;
    private final OrderedUploads<EventFile.Piece> uploads;

    PieceUploader(BlobStore store, RemoteLogdir remote, RetryPolicy backoff, SidecarMetrics metrics, CommitListener listener) {
        this.store = store;
        this.remote = remote;
        this.metrics = metrics;
        this.listener = listener;
        this.uploads = new OrderedUploads<>("piece-uploader", backoff, this::upload, (piece, attempt, e, wait) -> {
            metrics.uploadFailed();
            Throwable cause = e.getCause();
            LOG.warn("upload of {} bytes {}-{} failed (attempt {}): {}{}; retrying in {} ms", piece.file().relativePath(), piece.start(),
                    piece.end(), attempt, e.getMessage(), cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")",
                    wait.toMillis());
        });
    }

    void enqueue(List<EventFile.Piece> pieces) {
        uploads.addAll(pieces);
    }

    /** Waits until every queued piece is committed; false if {@code timeout} passed first. */
    boolean awaitEmpty(Duration timeout) throws InterruptedException {
        return uploads.awaitEmpty(timeout);
    }

    /** Pieces queued or uploading, and their bytes. */
    record Waiting(int pieces, long bytes) {}

    Waiting waiting() {
        List<EventFile.Piece> waiting = uploads.waiting();
        return new Waiting(waiting.size(), waiting.stream().mapToLong(EventFile.Piece::length).sum());
    }

    private void upload(EventFile.Piece piece) throws IOException {
        Location location = remote.piece(piece.file().relativePath(), piece.start());
        try (InputStream in = new ChannelRange(piece.file().channel(), piece.start(), piece.end())) {
            store.write(location, in, WriteMode.CREATE_IF_ABSENT);
        } catch (BlobExistsException exists) {
            long size = store.stat(location).size();
            if (size != piece.length()) {
                // Only a second sidecar shipping the same pod gets here; its piece stays, ours is not shipped.
                LOG.error("{} is in storage with {} bytes, not the {} cut here: another sidecar ships this pod's event files; "
                        + "bytes {}-{} of {} are not shipped by this one", location, size, piece.length(), piece.start(), piece.end(),
                        piece.file().relativePath());
                return;
            }
            // An earlier attempt of this very upload got through: it is committed.
        }
        piece.file().committed(piece.end());
        metrics.shipped(piece.length());
        LOG.info("committed {} ({} bytes)", location, piece.length());
        listener.committed(piece, location);
    }

    @Override
    public void close() {
        uploads.close();
    }

    /** Bytes {@code [position, end)} of a file, by positional reads: the reader thread keeps its own place in the same file. */
    private static final class ChannelRange extends InputStream {
        private final FileChannel channel;
        private final long end;
        private long position;

        ChannelRange(FileChannel channel, long start, long end) {
            this.channel = channel;
            this.position = start;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= end) {
                return -1;
            }
            int read = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
            if (read < 0) {
                throw new IOException("the event file ended at byte " + position + ", before the piece's end at " + end);
            }
            position += read;
            return read;
        }
    }
}
