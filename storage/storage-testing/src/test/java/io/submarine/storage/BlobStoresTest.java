package io.submarine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.storage.memory.MemoryBlobStore;
import io.submarine.storage.retry.Retrier;
import io.submarine.storage.retry.RetryPolicy;
import io.submarine.storage.retry.RetryingBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The scheme registry, configuration and retries of storage-api, with its real stores. */
class BlobStoresTest {

    @Test
    void findsBackendsByScheme() throws IOException {
        try (BlobStores stores = BlobStores.load(StorageConfig.empty())) {
            assertThat(stores.schemes()).contains("file", "memory");
            Location location = Location.of("memory://test/a");
            stores.write(location, new ByteArrayInputStream(new byte[] {1, 2}), WriteMode.CREATE_IF_ABSENT);
            assertThat(stores.stat(location).size()).isEqualTo(2);
            assertThat(stores.storeFor(location)).isSameAs(stores.storeFor(Location.of("memory://other/b")));
        }
    }

    @Test
    void aSchemeWithoutBackendNamesTheModuleToAdd() {
        try (BlobStores stores = BlobStores.of(StorageConfig.empty(), List.of())) {
            assertThatThrownBy(() -> stores.stat(Location.of("s3://bucket/key")))
                    .isInstanceOf(StorageConfigException.class)
                    .hasMessageContaining("no storage backend for 's3://'")
                    .hasMessageContaining("io.submarine:storage-s3");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSharedSchemeGoesToTheMostSpecificBackend() throws IOException {
        MemoryBlobStore blobEndpoint = new MemoryBlobStore();
        MemoryBlobStore anyHttp = new MemoryBlobStore();
        BlobStoreProvider azureLike = new BlobStoreProvider() {
            @Override
            public Set<String> schemes() {
                return Set.of("https");
            }

            @Override
            public boolean handles(Location location) {
                return location.authority().endsWith(".blob.core.windows.net");
            }

            @Override
            public int priority() {
                return 10;
            }

            @Override
            public BlobStore create(StorageConfig config) {
                return blobEndpoint;
            }
        };
        BlobStoreProvider httpLike = new BlobStoreProvider() {
            @Override
            public Set<String> schemes() {
                return Set.of("http", "https");
            }

            @Override
            public BlobStore create(StorageConfig config) {
                return anyHttp;
            }
        };
        try (BlobStores stores = BlobStores.of(StorageConfig.empty(), List.of(httpLike, azureLike))) {
            stores.write(Location.of("https://acct.blob.core.windows.net/c/k"), new ByteArrayInputStream(new byte[1]), WriteMode.OVERWRITE);
            stores.write(Location.of("https://example.org/k"), new ByteArrayInputStream(new byte[1]), WriteMode.OVERWRITE);
        }
        assertThat(blobEndpoint.stat(Location.of("https://acct.blob.core.windows.net/c/k")).size()).isEqualTo(1);
        assertThat(anyHttp.stat(Location.of("https://example.org/k")).size()).isEqualTo(1);
    }

    @Test
    void settingsComeFromTheEnvironmentAndSecretsFromFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        StorageConfig config = StorageConfig.fromEnvironment(Map.of(
                "SUBMARINE_STORAGE_S3_PATH_STYLE", "true", "SUBMARINE_STORAGE_S3_PART_SIZE", "8MiB",
                "SUBMARINE_STORAGE_URI", "s3://ignored", "HOME", "/root"));
        assertThat(config.getBoolean("s3.path-style", false)).isTrue();
        assertThat(config.getBytes("s3.part-size", 0)).isEqualTo(8L << 20);
        assertThat(config.get("uri")).isEmpty();

        java.nio.file.Path secretFile = java.nio.file.Files.writeString(dir.resolve("key"), "  top-secret-value\n");
        StorageConfig withSecret = config.with(Map.of("s3.secret-access-key-file", secretFile.toString(), "s3.bad-number", "many"));
        assertThat(withSecret.secret("s3.secret-access-key-file")).contains("top-secret-value");
        assertThatThrownBy(() -> withSecret.getInt("s3.bad-number", 1)).hasMessageContaining("s3.bad-number must be a whole number");
        StorageConfig missing = StorageConfig.of(Map.of("azure.account-key-file", dir.resolve("absent").toString()));
        assertThatThrownBy(() -> missing.secret("azure.account-key-file"))
                .isInstanceOf(StorageConfigException.class).hasMessageContaining("azure.account-key-file names");
        assertThat(StorageConfig.of(Map.of("hdfs.conf.dfs.replication", "2", "hdfs.user", "x")).withPrefix("hdfs.conf."))
                .containsExactly(Map.entry("dfs.replication", "2"));
    }

    @Test
    void transientFailuresAreRetriedWithGrowingJitteredBackoff() throws IOException {
        Location location = Location.of("memory://retry/a");
        MemoryBlobStore memory = new MemoryBlobStore();
        memory.write(location, new ByteArrayInputStream(new byte[] {9}), WriteMode.OVERWRITE);
        AtomicInteger calls = new AtomicInteger();
        BlobStore flaky = new ForwardingStore(memory) {
            @Override
            public BlobInfo stat(Location l) throws IOException {
                if (calls.incrementAndGet() < 4) {
                    throw new BlobTransientException(l, "S3 503 SlowDown");
                }
                return super.stat(l);
            }
        };
        List<Duration> waits = new ArrayList<>();
        RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(250));
        BlobStore retrying = new RetryingBlobStore(flaky, new Retrier(policy, waits::add, new SplittableRandom(1)));

        assertThat(retrying.stat(location).size()).isEqualTo(1);
        assertThat(calls).hasValue(4);
        assertThat(waits).hasSize(3);
        assertThat(waits.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(100));
        assertThat(waits.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(200));
        assertThat(waits.get(2)).isBetween(Duration.ZERO, Duration.ofMillis(250));
    }

    @Test
    void retriesStopAtTheBudgetAndNeverRetryPermanentFailures() {
        Location location = Location.of("memory://retry/b");
        AtomicInteger calls = new AtomicInteger();
        BlobStore alwaysDown = new ForwardingStore(new MemoryBlobStore()) {
            @Override
            public BlobInfo stat(Location l) throws IOException {
                calls.incrementAndGet();
                throw new BlobTransientException(l, "connection reset");
            }

            @Override
            public void delete(Location l) throws IOException {
                calls.incrementAndGet();
                throw new BlobAccessDeniedException(l, "S3 403");
            }
        };
        BlobStore retrying = new RetryingBlobStore(alwaysDown,
                new Retrier(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1)), d -> { }, new SplittableRandom(2)));
        assertThatThrownBy(() -> retrying.stat(location)).isInstanceOf(BlobTransientException.class);
        assertThat(calls).hasValue(3);
        calls.set(0);
        assertThatThrownBy(() -> retrying.delete(location)).isInstanceOf(BlobAccessDeniedException.class);
        assertThat(calls).hasValue(1);
    }

    /** A store that passes every call through, for tests that fail some calls. */
    private static class ForwardingStore implements BlobStore {
        private final BlobStore delegate;

        ForwardingStore(BlobStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public BlobInfo stat(Location location) throws IOException {
            return delegate.stat(location);
        }

        @Override
        public java.io.InputStream open(Location location) throws IOException {
            return delegate.open(location);
        }

        @Override
        public java.io.InputStream open(Location location, long offset, long length) throws IOException {
            return delegate.open(location, offset, length);
        }

        @Override
        public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
            return delegate.create(location, mode);
        }

        @Override
        public BlobIterator list(Location directory) throws IOException {
            return delegate.list(directory);
        }

        @Override
        public void delete(Location location) throws IOException {
            delegate.delete(location);
        }
    }
}
