package io.submarine.storage;

import java.io.IOException;
import java.util.Set;

/**
 * A backend, found at run time through {@link java.util.ServiceLoader} by URI scheme. Each
 * backend module lists its provider in
 * {@code META-INF/services/io.submarine.storage.BlobStoreProvider}.
 */
public interface BlobStoreProvider {

    /** The URI schemes this backend serves, lower case. */
    Set<String> schemes();

    /** Whether this backend serves {@code location}, for schemes two backends share ({@code https}). */
    default boolean handles(Location location) {
        return true;
    }

    /** When two backends handle a location, the higher priority wins. */
    default int priority() {
        return 0;
    }

    /**
     * Creates one store for every location this backend handles. Checks the settings it
     * needs and fails with {@link StorageConfigException} naming what to fix.
     */
    BlobStore create(StorageConfig config) throws IOException;
}
