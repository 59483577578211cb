package io.submarine.metastore.client;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the metastore is and the bearer token to call it with, as a program's settings name them:
 * checked and read the same way in every program. The token is a secret: the program registers it
 * with its log redactor.
 */
public record MetastoreEndpoint(URI url, Optional<String> token) {

    /**
     * @param url the metastore's base URL
     * @param tokenFile a file holding the token, or null when the metastore asks for none
     * @throws IllegalArgumentException saying what to fix: a URL that is not http(s), a token file
     *     that cannot be read or is empty (never the token itself)
     */
    public static MetastoreEndpoint of(URI url, Path tokenFile) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("the metastore URL must be http(s)://host[:port], got " + url);
        }
        if (tokenFile == null) {
            return new MetastoreEndpoint(url, Optional.empty());
        }
        String token;
        try {
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("the metastore token file " + tokenFile + " cannot be read: " + e.getClass().getSimpleName());
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the metastore token file " + tokenFile + " is empty");
        }
        return new MetastoreEndpoint(url, Optional.of(token));
    }

    /**
     * The client a sidecar reports with: two attempts 200 ms apart, then the report waits in
     * {@code spool} on the pod's volume, so a slow metastore never holds a sidecar's reporting thread long.
     */
    public MetastoreClient sidecarClient(Path spool) throws IOException {
        return new MetastoreClient(url, token, spool, 2, Duration.ofMillis(200), wait -> Thread.sleep(wait.toMillis()));
    }
}
