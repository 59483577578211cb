package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.client.MetastoreEndpoint;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * What the endpoint asks the metastore's MLflow API itself: an experiment or run made elsewhere,
 * and searches. Quick to give up (the task must not wait on a metastore that is away): a call that
 * does not answer within {@code timeout} is as if the metastore were down.
 */
final class MetastoreReads {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The metastore's answer: its status and body. */
    record Answer(int status, JsonNode body) {}

    private final MetastoreEndpoint endpoint;
    private final Duration timeout;
    private final HttpClient http;

    MetastoreReads(MetastoreEndpoint endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** GET {@code /api/2.0/mlflow/<path>?<name>=<value>}; empty when the metastore did not answer. */
    Optional<Answer> get(String path, String name, String value) {
        return send(HttpRequest.newBuilder(uri(path + "?" + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8))).GET());
    }

    /** GET {@code /api/2.0/mlflow/<path>}; empty when the metastore did not answer. */
    Optional<Answer> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** POST {@code /api/2.0/mlflow/<path>} with {@code body}; empty when the metastore did not answer. */
    Optional<Answer> post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private URI uri(String path) {
        return URI.create(endpoint.url().toString().replaceAll("/+$", "") + "/api/2.0/mlflow/" + path);
    }

    private Optional<Answer> send(HttpRequest.Builder request) {
        endpoint.token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        try {
            HttpResponse<byte[]> response = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() >= 500) {
                return Optional.empty();
            }
            return Optional.of(new Answer(response.statusCode(), JSON.readTree(response.body())));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
