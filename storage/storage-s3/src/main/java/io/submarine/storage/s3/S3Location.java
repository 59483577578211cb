package io.submarine.storage.s3;

import io.submarine.storage.Location;
import io.submarine.storage.StorageConfigException;

/** {@code s3://bucket/key} taken apart. */
record S3Location(String bucket, String key) {

    S3Location {
        if (bucket.isEmpty()) {
            throw new StorageConfigException("s3 location names no bucket: write s3://bucket/key");
        }
    }

    static S3Location of(Location location) {
        if (!location.scheme().equals("s3") && !location.scheme().equals("s3a")) {
            throw new StorageConfigException("not an s3:// location: " + location);
        }
        return new S3Location(location.authority(), location.path());
    }
}
