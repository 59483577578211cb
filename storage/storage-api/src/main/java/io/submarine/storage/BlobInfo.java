package io.submarine.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * What {@link BlobStore#stat} and listings report about one complete object.
 *
 * @param version the backend's change token (S3/Azure ETag, GCS generation, HDFS/local
 *     modification time and length), or {@code null} when the backend has none; compare it
 *     only with tokens from the same backend
 */
public record BlobInfo(Location location, long size, Instant lastModified, String version) {
    public BlobInfo {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
    }
}
