package io.submarine.storage.gcs;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.StorageOptions;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * {@code gs://}. Credentials: {@code gcs.credentials-file} (a service account JSON key), else
 * Application Default Credentials ({@code GOOGLE_APPLICATION_CREDENTIALS}, workload identity,
 * the metadata server). {@code gcs.endpoint} points at an emulator, which needs no credentials.
 * Also {@code gcs.project}, {@code gcs.chunk-size} (16MiB) and {@code gcs.list-page-size} (1000).
 */
public final class GcsBlobStoreProvider implements BlobStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("gs");
    }

    @Override
    public BlobStore create(StorageConfig config) throws IOException {
        StorageOptions.Builder options = StorageOptions.newBuilder();
        config.get("gcs.project").ifPresent(options::setProjectId);
        Optional<String> endpoint = config.get("gcs.endpoint");
        Optional<String> credentialsFile = config.get("gcs.credentials-file");
        if (credentialsFile.isPresent()) {
            Path file = Path.of(credentialsFile.get());
            try (InputStream in = Files.newInputStream(file)) {
                options.setCredentials(GoogleCredentials.fromStream(in));
            } catch (IOException e) {
                throw new StorageConfigException("gcs.credentials-file names " + file + ", which is not a readable service account key: " + e.getClass().getSimpleName());
            }
        } else if (endpoint.isPresent()) {
            options.setCredentials(NoCredentials.getInstance());
        }
        endpoint.ifPresent(options::setHost);
        return new GcsBlobStore(options.build().getService(), chunkSize(config), listPageSize(config));
    }

    static int chunkSize(StorageConfig config) {
        long chunk = config.getBytes("gcs.chunk-size", 16L << 20);
        // The resumable upload protocol requires multiples of 256 KiB.
        if (chunk < (256 << 10) || chunk % (256 << 10) != 0 || chunk > (512L << 20)) {
            throw new StorageConfigException("gcs.chunk-size must be a multiple of 256KiB up to 512MiB, got " + chunk);
        }
        return (int) chunk;
    }

    static int listPageSize(StorageConfig config) {
        int pageSize = config.getInt("gcs.list-page-size", 1000);
        if (pageSize < 1 || pageSize > 5000) {
            throw new StorageConfigException("gcs.list-page-size must be between 1 and 5000, got " + pageSize);
        }
        return pageSize;
    }
}
