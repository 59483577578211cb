package io.submarine.storage;

/** The backend said: failed and will fail again if retried. */
public final class BlobFatalException extends BlobStoreException {
    public BlobFatalException(Location location, String reason, Throwable cause) {
        super(location, reason, cause);
    }

    public BlobFatalException(Location location, String reason) {
        super(location, reason, null);
    }
}
