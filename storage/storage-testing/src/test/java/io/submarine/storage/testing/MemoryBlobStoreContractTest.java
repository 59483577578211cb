package io.submarine.storage.testing;

import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.memory.MemoryBlobStore;

/** memory://: the in-heap store keeps the contract except bounded memory, which it can't. */
class MemoryBlobStoreContractTest extends BlobStoreContractTest {

    private static final BlobStore STORE = new MemoryBlobStore();

    @Override
    protected BlobStore store() {
        return STORE;
    }

    @Override
    protected Location root() {
        return Location.of("memory://contract/");
    }

    @Override
    protected boolean supportsLargeObjects() {
        // Objects live in the heap, which the test caps far below 1 GiB.
        return false;
    }
}
