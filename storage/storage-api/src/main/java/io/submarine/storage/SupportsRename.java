package io.submarine.storage;

import java.io.IOException;

/** Backends with an atomic rename (HDFS, local); blob stores would copy and delete, so they don't offer it. */
public interface SupportsRename {
    /**
     * Moves {@code source} to {@code target} atomically.
     *
     * @throws BlobExistsException if {@code target} exists; nothing changes then
     * @throws BlobNotFoundException if {@code source} does not exist
     */
    void rename(Location source, Location target) throws IOException;
}
