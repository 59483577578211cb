package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.testing.ExternalServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The real metastore in its own process (H2 under {@code dir}), with a reporter's and a reader's token. */
final class MetastoreProcess {

    static final String REPORTER_TOKEN = "rep-token-55";
    static final String READER_TOKEN = "read-token-66";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetastoreProcess() {}

    /**
     * The metastore on {@code port}, not started yet; MLflow's artifacts under {@code <dir>/remote/mlflow-artifacts},
     * where a sidecar on the file backend of {@code TestBackend.start("file", dir)} puts them by default.
     */
    static ExternalServer on(int port, Path dir) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "reporter " + REPORTER_TOKEN + "\nreader " + READER_TOKEN + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ExternalServer("metastore", List.of(java, "-cp", System.getProperty("java.class.path"), "io.submarine.metastore.Metastore",
                "--port", Integer.toString(port), "--data-dir", dir.resolve("db").toString(), "--token-file", tokens.toString(),
                "--artifacts-destination", dir.resolve("remote").resolve("mlflow-artifacts").toUri().toString()), Map.of(), port,
                dir.resolve("metastore.log"), Duration.ofSeconds(60));
    }

    /** The sidecar's flags to report to the metastore on {@code port} as a reporter (its token in a file under {@code dir}). */
    static List<String> sidecarFlags(int port, Path dir) throws Exception {
        return List.of("--metastore-url", "http://127.0.0.1:" + port, "--metastore-token-file",
                Files.writeString(dir.resolve("token"), REPORTER_TOKEN).toString());
    }

    /** GET {@code path} as a reader; asserts a 200. */
    static JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + READER_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
