package io.submarine.storage;

/** The backend said: credentials missing, wrong or not allowed. */
public final class BlobAccessDeniedException extends BlobStoreException {
    public BlobAccessDeniedException(Location location, String reason, Throwable cause) {
        super(location, reason, cause);
    }

    public BlobAccessDeniedException(Location location, String reason) {
        super(location, reason, null);
    }
}
