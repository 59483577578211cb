package io.submarine.storage.http;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code http://} and {@code https://} (other than Azure blob endpoints, which their backend
 * claims first). Settings: {@code http.headers-file}, lines of {@code Name: value} sent with
 * every request (for tokens: the file is the secret), and {@code http.connect-timeout-ms} (10000).
 */
public final class HttpBlobStoreProvider implements BlobStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("http", "https");
    }

    @Override
    public int priority() {
        return 5;
    }

    @Override
    public BlobStore create(StorageConfig config) {
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofMillis(config.getInt("http.connect-timeout-ms", 10_000)))
                .build();
        return new HttpBlobStore(client, headers(config.get("http.headers-file")));
    }

    static Map<String, String> headers(Optional<String> file) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (file.isEmpty()) {
            return headers;
        }
        Path path = Path.of(file.get());
        try {
            int number = 0;
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new StorageConfigException("http.headers-file " + path + " line " + number + " is not 'Name: value'");
                }
                headers.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        } catch (IOException e) {
            throw new StorageConfigException("http.headers-file names " + path + ", which cannot be read: " + e.getClass().getSimpleName());
        }
        return headers;
    }
}
