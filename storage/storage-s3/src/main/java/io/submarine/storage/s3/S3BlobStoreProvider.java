package io.submarine.storage.s3;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** {@code s3://} (and Hadoop's {@code s3a://} spelling) on AWS S3 or any S3-compatible store. */
public final class S3BlobStoreProvider implements BlobStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("s3", "s3a");
    }

    @Override
    public BlobStore create(StorageConfig storageConfig) {
        S3BlobStoreConfig config = S3BlobStoreConfig.from(storageConfig);
        AwsCredentialsProvider credentials = config.accessKeyId().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKeyId().get(), config.secretAccessKey().orElseThrow()))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                // Checksums only where S3 requires them: S3-compatible stores reject the newer trailers.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(Math.max(16, config.uploadConcurrency() * 2))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)));
        config.endpoint().ifPresent(builder::endpointOverride);
        return new S3BlobStore(builder.build(), config);
    }
}
