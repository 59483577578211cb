package io.submarine.storage;

/** The backend said: failed for now; retry with backoff. */
public final class BlobTransientException extends BlobStoreException {
    public BlobTransientException(Location location, String reason, Throwable cause) {
        super(location, reason, cause);
    }

    public BlobTransientException(Location location, String reason) {
        super(location, reason, null);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
