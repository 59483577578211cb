package io.submarine.storage.local;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import java.util.Set;

/** {@code file://}: always on the class path, since it lives in storage-api. */
public final class LocalBlobStoreProvider implements BlobStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public BlobStore create(StorageConfig config) {
        return new LocalBlobStore();
    }
}
