package io.submarine.storage;

import java.io.IOException;

/**
 * A storage failure, classified once where the backend's client throws it. The message names
 * the location (with any password hidden) and what went wrong, never a credential.
 * {@link #retryable()} tells callers whether the same call may succeed later.
 */
public abstract sealed class BlobStoreException extends IOException
        permits BlobNotFoundException, BlobExistsException, BlobAccessDeniedException,
                BlobTransientException, BlobFatalException {

    private final String location;

    protected BlobStoreException(Location location, String reason, Throwable cause) {
        super(Location.redact(reason) + ": " + (location == null ? "(no location)" : location), cause);
        this.location = location == null ? null : location.toString();
    }

    /** The location the failure is about, secrets hidden; {@code null} for store-wide failures. */
    public String location() {
        return location;
    }

    /** Whether retrying the same call may succeed (throttling, timeouts, 5xx, lost connections). */
    public boolean retryable() {
        return false;
    }
}
