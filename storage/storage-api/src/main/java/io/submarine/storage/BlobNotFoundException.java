package io.submarine.storage;

/** The backend said: no object at this location. */
public final class BlobNotFoundException extends BlobStoreException {
    public BlobNotFoundException(Location location, String reason, Throwable cause) {
        super(location, reason, cause);
    }

    public BlobNotFoundException(Location location, String reason) {
        super(location, reason, null);
    }
}
