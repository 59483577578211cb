package io.submarine.storage.http;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code http://} and {@code https://} (other than Azure blob endpoints, which their backend
 * claims first). Settings: {@code http.headers-file}, lines of {@code Name: value} sent with
 * every request (for tokens: the file is the secret), {@code http.connect-timeout-ms} (10000), and
 * {@code http.read-timeout-ms} (60000, as the S3 client's socket timeout): the longest wait for a
 * response, and for bytes of its body, before the request fails as transient, to be retried.
 */
public final class HttpBlobStoreProvider implements BlobStoreProvider {

    private static final String HEADERS_FILE = "http.headers-file";

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
                .followRedirects(HttpClient.Redirect.NEVER) // the store follows them, keeping credentials to their origin
                .connectTimeout(positiveMillis(config, "http.connect-timeout-ms", 10_000))
                .build();
        return new HttpBlobStore(client, headers(config), positiveMillis(config, "http.read-timeout-ms", 60_000));
    }

    private static Duration positiveMillis(StorageConfig config, String key, int fallback) {
        int millis = config.getInt(key, fallback);
        if (millis <= 0) {
            throw new StorageConfigException(key + " must be a positive number of milliseconds, got " + millis);
        }
        return Duration.ofMillis(millis);
    }

    /** The headers file's lines; every value is taken for a secret (it is there for tokens) and masked in logs. */
    private static Map<String, String> headers(StorageConfig config) {
        Map<String, String> headers = new LinkedHashMap<>();
        Optional<String> text = config.secret(HEADERS_FILE);
        if (text.isEmpty()) {
            return headers;
        }
        int number = 0;
        for (String line : text.get().lines().toList()) {
            number++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new StorageConfigException(HEADERS_FILE + " " + config.get(HEADERS_FILE).orElseThrow() + " line " + number
                        + " is not 'Name: value'");
            }
            String value = line.substring(colon + 1).trim();
            config.treatAsSecret(value);
            headers.put(line.substring(0, colon).trim(), value);
        }
        return headers;
    }
}
