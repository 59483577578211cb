package io.submarine.storage.s3;

import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.net.URI;
import java.util.Optional;

/**
 * Settings of the S3 backend, from {@link StorageConfig} keys {@code s3.*}:
 * {@code endpoint} (for MinIO, Ceph and other S3-compatible stores), {@code region},
 * {@code path-style}, {@code part-size} (default 16MiB, at least 5MiB, S3's minimum),
 * {@code upload-concurrency} (parts in flight, default 2), {@code list-page-size} (default 1000),
 * and optionally {@code access-key-id-file} with {@code secret-access-key-file}; without them
 * the AWS SDK's default chain is used (environment, profile, web identity, instance role).
 */
record S3BlobStoreConfig(
        Optional<URI> endpoint,
        String region,
        boolean pathStyle,
        int partSize,
        int uploadConcurrency,
        int listPageSize,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey) {

    static final int MIN_PART_SIZE = 5 << 20;

    static S3BlobStoreConfig from(StorageConfig config) {
        Optional<URI> endpoint = config.get("s3.endpoint").map(text -> {
            URI uri = URI.create(text.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new StorageConfigException("s3.endpoint must be a URL such as http://127.0.0.1:9000, got '" + text + "'");
            }
            return uri;
        });
        long partSize = config.getBytes("s3.part-size", 16L << 20);
        if (partSize < MIN_PART_SIZE || partSize > (512L << 20)) {
            throw new StorageConfigException("s3.part-size must be between 5MiB (S3's minimum part) and 512MiB, got " + partSize);
        }
        int concurrency = config.getInt("s3.upload-concurrency", 2);
        if (concurrency < 1 || concurrency > 64) {
            throw new StorageConfigException("s3.upload-concurrency must be between 1 and 64, got " + concurrency);
        }
        int pageSize = config.getInt("s3.list-page-size", 1000);
        if (pageSize < 1 || pageSize > 1000) {
            throw new StorageConfigException("s3.list-page-size must be between 1 and 1000, got " + pageSize);
        }
        Optional<String> keyId = config.secret("s3.access-key-id-file");
        Optional<String> secret = config.secret("s3.secret-access-key-file");
        if (keyId.isPresent() != secret.isPresent()) {
            throw new StorageConfigException("set both s3.access-key-id-file and s3.secret-access-key-file, or neither (to use the AWS default credential chain)");
        }
        return new S3BlobStoreConfig(endpoint, config.get("s3.region").orElse("us-east-1"),
                config.getBoolean("s3.path-style", endpoint.isPresent()), (int) partSize, concurrency, pageSize, keyId, secret);
    }

    @Override
    public String toString() {
        return "S3BlobStoreConfig[endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle + ", partSize=" + partSize + "]";
    }
}
