package io.submarine.storage;

/** The backend said: an object already exists here. */
public final class BlobExistsException extends BlobStoreException {
    public BlobExistsException(Location location, String reason, Throwable cause) {
        super(location, reason, cause);
    }

    public BlobExistsException(Location location, String reason) {
        super(location, reason, null);
    }
}
