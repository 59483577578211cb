package io.submarine.storage.gcs;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.Storage.BlobWriteOption;
import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.SupportsCompose;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * {@code gs://bucket/key} on the Google Cloud Storage client. Writes are resumable uploads
 * that create the object only when closed (with generation-match 0 for create-if-absent);
 * reads pin the generation they started with, so a concurrent overwrite can't mix versions.
 */
final class GcsBlobStore implements BlobStore, SupportsCompose {

    /** GCS's limit on the sources of one compose. */
    private static final int MAX_COMPOSE_SOURCES = 32;

    private final Storage storage;
    private final int chunkSize;
    private final int listPageSize;

    GcsBlobStore(Storage storage, int chunkSize, int listPageSize) {
        this.storage = storage;
        this.chunkSize = chunkSize;
        this.listPageSize = listPageSize;
    }

    static BlobId blobId(Location location) {
        if (!location.scheme().equals("gs")) {
            throw new StorageConfigException("not a gs:// location: " + location);
        }
        if (location.authority().isEmpty()) {
            throw new StorageConfigException("gs location names no bucket: write gs://bucket/key");
        }
        return BlobId.of(location.authority(), location.path());
    }

    private Blob get(Location location) throws IOException {
        Blob blob;
        try {
            blob = storage.get(blobId(location));
        } catch (RuntimeException e) {
            throw GcsErrors.classify(location, e);
        }
        if (blob == null) {
            throw new BlobNotFoundException(location, "GCS: no such object");
        }
        return blob;
    }

    private static io.submarine.storage.BlobInfo info(Location location, BlobInfo blob) {
        Instant modified = blob.getUpdateTimeOffsetDateTime() != null ? blob.getUpdateTimeOffsetDateTime().toInstant()
                : blob.getCreateTimeOffsetDateTime() != null ? blob.getCreateTimeOffsetDateTime().toInstant() : Instant.EPOCH;
        return new io.submarine.storage.BlobInfo(location, blob.getSize() == null ? 0 : blob.getSize(), modified,
                blob.getGeneration() == null ? null : Long.toString(blob.getGeneration()));
    }

    @Override
    public io.submarine.storage.BlobInfo stat(Location location) throws IOException {
        return info(location, get(location));
    }

    @Override
    public InputStream open(Location location) throws IOException {
        return open(location, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        Blob blob = get(location);
        long size = blob.getSize() == null ? 0 : blob.getSize();
        if (offset >= size || length == 0) {
            return InputStream.nullInputStream();
        }
        try {
            ReadChannel reader = storage.reader(BlobId.of(blob.getBucket(), blob.getName(), blob.getGeneration()));
            reader.setChunkSize(chunkSize);
            reader.seek(offset);
            reader.limit(length > size - offset ? size : offset + length);
            return Channels.newInputStream(reader);
        } catch (IOException | RuntimeException e) {
            throw GcsErrors.classify(location, e);
        }
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        WriteChannel writer;
        try {
            BlobInfo info = BlobInfo.newBuilder(blobId(location)).build();
            writer = mode == WriteMode.CREATE_IF_ABSENT
                    ? storage.writer(info, BlobWriteOption.doesNotExist())
                    : storage.writer(info);
            writer.setChunkSize(chunkSize);
        } catch (RuntimeException e) {
            throw GcsErrors.classify(location, e);
        }
        return new BlobOutputStream() {
            private boolean done;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (done) {
                    throw new IOException("stream closed: " + location);
                }
                try {
                    ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                    while (buffer.hasRemaining()) {
                        writer.write(buffer);
                    }
                } catch (IOException | RuntimeException e) {
                    done = true;
                    throw GcsErrors.classify(location, e);
                }
            }

            @Override
            public void abort() {
                // An unfinished resumable upload creates no object; GCS expires the session.
                done = true;
            }

            @Override
            public void close() throws IOException {
                if (done) {
                    return;
                }
                done = true;
                try {
                    writer.close();
                } catch (IOException | RuntimeException e) {
                    throw GcsErrors.classify(location, e);
                }
            }
        };
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        Location dir = directory.asDirectory();
        BlobId prefix = blobId(dir);
        return new AbstractBlobIterator() {
            private Page<Blob> page;
            private Iterator<Blob> blobs = List.<Blob>of().iterator();

            @Override
            protected io.submarine.storage.BlobInfo computeNext() throws IOException {
                try {
                    while (!blobs.hasNext() && (page == null || page.hasNextPage())) {
                        page = page != null ? page.getNextPage()
                                : storage.list(prefix.getBucket(), BlobListOption.prefix(prefix.getName()), BlobListOption.pageSize(listPageSize));
                        blobs = page.getValues().iterator();
                    }
                } catch (RuntimeException e) {
                    throw GcsErrors.classify(dir, e);
                }
                if (!blobs.hasNext()) {
                    return null;
                }
                Blob blob = blobs.next();
                return info(new Location(dir.scheme(), dir.authority(), blob.getName()), blob);
            }
        };
    }

    @Override
    public void delete(Location location) throws IOException {
        try {
            storage.delete(blobId(location));
        } catch (RuntimeException e) {
            throw GcsErrors.classify(location, e);
        }
    }

    @Override
    public void deleteAll(Collection<Location> locations) throws IOException {
        if (locations.isEmpty()) {
            return;
        }
        List<BlobId> ids = new ArrayList<>();
        for (Location location : locations) {
            ids.add(blobId(location));
        }
        try {
            storage.delete(ids);
        } catch (RuntimeException e) {
            throw GcsErrors.classify(locations.iterator().next(), e);
        }
    }

    @Override
    public void compose(List<Location> sources, Location target, WriteMode mode) throws IOException {
        if (sources.isEmpty() || sources.size() > MAX_COMPOSE_SOURCES) {
            throw new StorageConfigException("GCS composes 1 to " + MAX_COMPOSE_SOURCES + " objects at once, got " + sources.size());
        }
        BlobId targetId = blobId(target);
        Storage.ComposeRequest.Builder request = Storage.ComposeRequest.newBuilder()
                .setTarget(BlobInfo.newBuilder(targetId).build());
        for (Location source : sources) {
            BlobId id = blobId(source);
            if (!id.getBucket().equals(targetId.getBucket())) {
                throw new StorageConfigException("GCS composes only within one bucket: " + source + " -> " + target);
            }
            request.addSource(id.getName());
        }
        if (mode == WriteMode.CREATE_IF_ABSENT) {
            request.setTargetOptions(BlobTargetOption.doesNotExist());
        }
        try {
            storage.compose(request.build());
        } catch (RuntimeException e) {
            throw GcsErrors.classify(target, e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            storage.close();
        } catch (Exception e) {
            throw new IOException("closing the GCS client failed", e);
        }
    }
}
