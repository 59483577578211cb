package io.submarine.storage;

import java.io.IOException;

/** Backends that can add bytes to the end of an existing object (HDFS, Azure append blobs, local). */
public interface SupportsAppend {
    /**
     * Opens {@code location} for appending, creating it if absent. Bytes become visible at
     * {@code close()} at the latest; an aborted append may leave the bytes already flushed.
     */
    BlobOutputStream append(Location location) throws IOException;
}
