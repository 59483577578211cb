package io.submarine.storage.azure;

import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.util.Optional;

/**
 * Settings of the Azure backend, from {@link StorageConfig} keys {@code azure.*}. Exactly one
 * credential file: {@code connection-string-file}, {@code account-key-file} or
 * {@code sas-token-file}. {@code endpoint} replaces {@code https://<account>.blob.core.windows.net}
 * (for Azurite or a private endpoint, e.g. {@code http://127.0.0.1:10000/devstoreaccount1}).
 * Tuning: {@code block-size} (8MiB), {@code upload-concurrency} (2), {@code list-page-size} (1000),
 * {@code max-tries} (4: the SDK's own retries of one request, with exponential backoff).
 */
record AzureBlobStoreConfig(
        Optional<String> endpoint,
        Optional<String> connectionString,
        Optional<String> accountKey,
        Optional<String> sasToken,
        int blockSize,
        int uploadConcurrency,
        int listPageSize,
        int maxTries) {

    static AzureBlobStoreConfig from(StorageConfig config) {
        Optional<String> connectionString = config.secret("azure.connection-string-file");
        Optional<String> accountKey = config.secret("azure.account-key-file");
        Optional<String> sas = config.secret("azure.sas-token-file").map(t -> t.startsWith("?") ? t.substring(1) : t);
        long set = java.util.stream.Stream.of(connectionString, accountKey, sas).filter(Optional::isPresent).count();
        if (set != 1) {
            throw new StorageConfigException("set exactly one of azure.connection-string-file, azure.account-key-file or azure.sas-token-file"
                    + (set == 0 ? " (none is set)" : " (" + set + " are set)"));
        }
        long blockSize = config.getBytes("azure.block-size", 8L << 20);
        if (blockSize < (64 << 10) || blockSize > (256L << 20)) {
            throw new StorageConfigException("azure.block-size must be between 64KiB and 256MiB, got " + blockSize);
        }
        int concurrency = config.getInt("azure.upload-concurrency", 2);
        if (concurrency < 1 || concurrency > 64) {
            throw new StorageConfigException("azure.upload-concurrency must be between 1 and 64, got " + concurrency);
        }
        int pageSize = config.getInt("azure.list-page-size", 1000);
        if (pageSize < 1 || pageSize > 5000) {
            throw new StorageConfigException("azure.list-page-size must be between 1 and 5000, got " + pageSize);
        }
        int maxTries = config.getInt("azure.max-tries", 4);
        if (maxTries < 1) {
            throw new StorageConfigException("azure.max-tries must be at least 1, got " + maxTries);
        }
        return new AzureBlobStoreConfig(config.get("azure.endpoint").map(e -> e.replaceAll("/+$", "")),
                connectionString, accountKey, sas, (int) blockSize, concurrency, pageSize, maxTries);
    }

    @Override
    public String toString() {
        return "AzureBlobStoreConfig[endpoint=" + endpoint + ", blockSize=" + blockSize + "]";
    }
}
