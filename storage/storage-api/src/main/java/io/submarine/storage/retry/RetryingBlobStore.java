package io.submarine.storage.retry;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/**
 * Retries the idempotent calls of a store (stat, opening a read, listing pages, deletes).
 * Writes are not retried here: a half-sent stream cannot be replayed, and the caller that
 * owns the data decides (it can, since an aborted write leaves nothing behind).
 */
public final class RetryingBlobStore implements BlobStore {

    private final BlobStore delegate;
    private final Retrier retrier;

    public RetryingBlobStore(BlobStore delegate, RetryPolicy policy) {
        this(delegate, new Retrier(policy));
    }

    public RetryingBlobStore(BlobStore delegate, Retrier retrier) {
        this.delegate = delegate;
        this.retrier = retrier;
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        return retrier.call(() -> delegate.stat(location));
    }

    @Override
    public InputStream open(Location location) throws IOException {
        return retrier.call(() -> delegate.open(location));
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        return retrier.call(() -> delegate.open(location, offset, length));
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        return retrier.call(() -> delegate.create(location, mode));
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        BlobIterator pages = retrier.call(() -> delegate.list(directory));
        return new BlobIterator() {
            @Override
            public boolean hasNext() throws IOException {
                return retrier.call(pages::hasNext);
            }

            @Override
            public BlobInfo next() throws IOException {
                return pages.next();
            }
        };
    }

    @Override
    public void delete(Location location) throws IOException {
        retrier.call(() -> {
            delegate.delete(location);
            return null;
        });
    }

    @Override
    public void deleteAll(Collection<Location> locations) throws IOException {
        retrier.call(() -> {
            delegate.deleteAll(locations);
            return null;
        });
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return delegate.capability(type);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
