package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metastore program as Kubernetes stops it: SIGTERM, then the same data directory on the next start. */
class ProgramShutdownTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void sigtermStopsServingClosesTheDatabaseAndKeepsWhatWasWritten() throws Exception {
        int port = Fixtures.freePort();
        try (MetastoreProcess first = start(port, dir.resolve("first.log")).awaitReady()) {
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(first.base + "/api/2.0/mlflow/experiments/create"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"kept\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            first.process.destroy(); // SIGTERM
            assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).as("stopped within its 20 s shutdown deadline").isTrue();
            assertThat(first.process.exitValue()).as("a clean stop, not the JVM's 143 for SIGTERM").isZero();
            assertThat(first.output()).contains("metastore stopped: no longer serving, database closed").doesNotContain("shutdown incomplete");
        }

        try (MetastoreProcess second = start(port, dir.resolve("second.log")).awaitReady()) {
            HttpResponse<String> found = http.send(HttpRequest.newBuilder(URI.create(second.base + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        }
    }

    private MetastoreProcess start(int port, Path log) throws Exception {
        return MetastoreProcess.start(port, log, "--data-dir", dir.resolve("data").toString());
    }
}
