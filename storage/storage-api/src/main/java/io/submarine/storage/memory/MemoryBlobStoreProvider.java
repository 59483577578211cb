package io.submarine.storage.memory;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import java.util.Set;

/** {@code memory://}: one heap store per {@link io.submarine.storage.BlobStores}. */
public final class MemoryBlobStoreProvider implements BlobStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public BlobStore create(StorageConfig config) {
        return new MemoryBlobStore();
    }
}
