package io.submarine.localizer;

import io.submarine.localizer.spec.Source;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The storage each source reads through: the shared settings, plus the source's own http headers
 * file when it has one (each source may carry its own token).
 */
final class SourceStorage implements AutoCloseable {

    private final StorageConfig config;
    private final BlobStores shared;
    private final Map<Path, BlobStores> withHeaders = new HashMap<>();

    SourceStorage(StorageConfig config) {
        this.config = config;
        this.shared = BlobStores.load(config);
    }

    /** The store of the storage settings alone, for what the localizer writes. */
    BlobStores shared() {
        return shared;
    }

    synchronized BlobStore forSource(Source source) {
        Path headers = source.credentials().headersFile();
        if (headers == null) {
            return shared;
        }
        return withHeaders.computeIfAbsent(headers, h -> BlobStores.load(config.with(Map.of("http.headers-file", h.toString()))));
    }

    @Override
    public synchronized void close() throws IOException {
        shared.close();
        for (BlobStores stores : withHeaders.values()) {
            stores.close();
        }
    }
}
