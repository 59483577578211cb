package io.submarine.storage;

import io.submarine.storage.retry.RetryPolicy;
import io.submarine.storage.retry.RetryingBlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The one entry point programs use: every location goes to the backend that serves its scheme,
 * found through {@link ServiceLoader}. Each backend's store is created on first use and wrapped
 * so that transient failures of idempotent calls are retried with backoff.
 */
public final class BlobStores implements BlobStore {

    /** Which module to add for a scheme no backend on the class path serves. */
    private static final Map<String, String> MODULE_FOR_SCHEME = Map.of(
            "hdfs", "storage-hdfs", "s3", "storage-s3", "gs", "storage-gcs",
            "abfs", "storage-azure", "abfss", "storage-azure",
            "http", "storage-vfs", "https", "storage-vfs", "sftp", "storage-vfs", "ftp", "storage-vfs");

    private final StorageConfig config;
    private final List<BlobStoreProvider> providers;
    private final RetryPolicy retryPolicy;
    private final Map<BlobStoreProvider, BlobStore> stores = new IdentityHashMap<>();

    private BlobStores(StorageConfig config, List<BlobStoreProvider> providers) {
        this.config = config;
        this.providers = providers.stream()
                .sorted(Comparator.comparingInt(BlobStoreProvider::priority).reversed())
                .toList();
        this.retryPolicy = RetryPolicy.from(config);
    }

    /** The backends on the class path. */
    public static BlobStores load(StorageConfig config) {
        List<BlobStoreProvider> found = new ArrayList<>();
        ServiceLoader.load(BlobStoreProvider.class).forEach(found::add);
        return new BlobStores(config, found);
    }

    /** Exactly these backends, for tests and embedding. */
    public static BlobStores of(StorageConfig config, List<BlobStoreProvider> providers) {
        return new BlobStores(config, providers);
    }

    /** The schemes some backend on the class path serves, for help texts. */
    public List<String> schemes() {
        return providers.stream().flatMap(p -> p.schemes().stream()).distinct().sorted().toList();
    }

    /**
     * The store that serves {@code location}, to ask for its capabilities.
     *
     * @throws StorageConfigException if no backend serves the scheme, naming the module to add
     */
    public synchronized BlobStore storeFor(Location location) throws IOException {
        BlobStoreProvider provider = providers.stream()
                .filter(p -> p.schemes().contains(location.scheme()) && p.handles(location))
                .findFirst()
                .orElseThrow(() -> new StorageConfigException(noBackendMessage(location)));
        BlobStore store = stores.get(provider);
        if (store == null) {
            store = new RetryingBlobStore(provider.create(config), retryPolicy);
            stores.put(provider, store);
        }
        return store;
    }

    private String noBackendMessage(Location location) {
        String module = MODULE_FOR_SCHEME.get(location.scheme());
        return "no storage backend for '" + location.scheme() + "://' locations ("
                + location + ")"
                + (module == null ? "" : "; add the module io.submarine:" + module + " to the class path")
                + "; schemes available: " + schemes();
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        return storeFor(location).stat(location);
    }

    @Override
    public InputStream open(Location location) throws IOException {
        return storeFor(location).open(location);
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        return storeFor(location).open(location, offset, length);
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        return storeFor(location).create(location, mode);
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        return storeFor(directory).list(directory);
    }

    @Override
    public void delete(Location location) throws IOException {
        storeFor(location).delete(location);
    }

    @Override
    public void deleteAll(Collection<Location> locations) throws IOException {
        Map<BlobStore, List<Location>> byStore = new LinkedHashMap<>();
        for (Location location : locations) {
            byStore.computeIfAbsent(storeFor(location), s -> new ArrayList<>()).add(location);
        }
        for (Map.Entry<BlobStore, List<Location>> entry : byStore.entrySet()) {
            entry.getKey().deleteAll(entry.getValue());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (BlobStore store : stores.values()) {
            try {
                store.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        stores.clear();
        if (first != null) {
            throw first;
        }
    }
}
