package io.submarine.storage.memory;

import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code memory://name/key}: objects in this JVM's heap, for tests and for programs run without
 * storage. It keeps every promise but bounded memory, which it cannot: objects live in the heap.
 */
public final class MemoryBlobStore implements BlobStore {

    private record Blob(byte[] data, Instant modified, long generation) {}

    private final Map<String, Blob> blobs = new ConcurrentSkipListMap<>();
    private final AtomicLong generations = new AtomicLong();
    private final Clock clock;

    public MemoryBlobStore(Clock clock) {
        this.clock = clock;
    }

    public MemoryBlobStore() {
        this(Clock.systemUTC());
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        return info(location, get(location));
    }

    private static BlobInfo info(Location location, Blob blob) {
        return new BlobInfo(location, blob.data.length, blob.modified, Long.toString(blob.generation));
    }

    private Blob get(Location location) throws BlobNotFoundException {
        Blob blob = blobs.get(location.uri());
        if (blob == null) {
            throw new BlobNotFoundException(location, "no such object");
        }
        return blob;
    }

    @Override
    public InputStream open(Location location) throws IOException {
        byte[] data = get(location).data;
        return new ByteArrayInputStream(data);
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        byte[] data = get(location).data;
        int from = (int) Math.min(offset, data.length);
        int count = (int) Math.min(length, data.length - from);
        return new ByteArrayInputStream(data, from, count);
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) {
        return new BlobOutputStream() {
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            private boolean done;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (done) {
                    throw new IOException("stream closed: " + location);
                }
                buffer.write(b, off, len);
            }

            @Override
            public void abort() {
                done = true;
            }

            @Override
            public void close() throws IOException {
                if (done) {
                    return;
                }
                done = true;
                Blob blob = new Blob(buffer.toByteArray(), clock.instant(), generations.incrementAndGet());
                if (mode == WriteMode.CREATE_IF_ABSENT) {
                    if (blobs.putIfAbsent(location.uri(), blob) != null) {
                        throw new BlobExistsException(location, "an object already exists here");
                    }
                } else {
                    blobs.put(location.uri(), blob);
                }
            }
        };
    }

    @Override
    public BlobIterator list(Location directory) {
        String prefix = directory.asDirectory().uri();
        Iterator<Map.Entry<String, Blob>> entries = ((ConcurrentSkipListMap<String, Blob>) blobs)
                .tailMap(prefix).entrySet().stream()
                .takeWhile(e -> e.getKey().startsWith(prefix))
                .iterator();
        return new AbstractBlobIterator() {
            @Override
            protected BlobInfo computeNext() {
                if (!entries.hasNext()) {
                    return null;
                }
                Map.Entry<String, Blob> e = entries.next();
                return info(Location.of(e.getKey()), e.getValue());
            }
        };
    }

    @Override
    public void delete(Location location) {
        blobs.remove(location.uri());
    }
}
