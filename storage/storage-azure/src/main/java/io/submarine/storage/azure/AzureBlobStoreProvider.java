package io.submarine.storage.azure;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code abfs://}, {@code abfss://} and {@code https://<account>.blob.core.windows.net/} locations.
 * It shares {@code https} with the read-only HTTP backend and wins only for blob endpoints.
 */
public final class AzureBlobStoreProvider implements BlobStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("abfs", "abfss", "https");
    }

    @Override
    public boolean handles(Location location) {
        return !location.scheme().equals("https") || location.authority().endsWith(AzureLocation.BLOB_HOST_SUFFIX);
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public BlobStore create(StorageConfig storageConfig) {
        AzureBlobStoreConfig config = AzureBlobStoreConfig.from(storageConfig);
        Map<String, BlobServiceClient> clients = new ConcurrentHashMap<>();
        return new AzureBlobStore(account -> clients.computeIfAbsent(account, a -> client(config, a)), config);
    }

    private static BlobServiceClient client(AzureBlobStoreConfig config, String account) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, config.maxTries(), (Integer) null, null, null, null));
        if (config.connectionString().isPresent()) {
            builder.connectionString(config.connectionString().get());
        } else {
            builder.endpoint(config.endpoint().orElse("https://" + account + AzureLocation.BLOB_HOST_SUFFIX));
            config.accountKey().ifPresent(key -> builder.credential(new StorageSharedKeyCredential(account, key)));
            config.sasToken().ifPresent(builder::sasToken);
        }
        return builder.buildClient();
    }
}
