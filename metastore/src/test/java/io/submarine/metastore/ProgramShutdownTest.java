package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        String base = "http://127.0.0.1:" + port;
        Process first = start(port, dir.resolve("first.log"));
        try {
            awaitReady(base, first);
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/experiments/create"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"kept\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            first.destroy(); // SIGTERM
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("stopped within its 20 s shutdown deadline").isTrue();
            assertThat(first.exitValue()).as("a clean stop, not the JVM's 143 for SIGTERM").isZero();
        } finally {
            first.destroyForcibly();
        }
        assertThat(Files.readString(dir.resolve("first.log"))).contains("metastore stopped: no longer serving, database closed")
                .doesNotContain("shutdown incomplete");

        Process second = start(port, dir.resolve("second.log"));
        try {
            awaitReady(base, second);
            HttpResponse<String> found = http.send(HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        } finally {
            second.destroyForcibly().waitFor();
        }
    }

    private Process start(int port, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Metastore.class.getName(), "--port", Integer.toString(port),
                "--data-dir", dir.resolve("data").toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitReady(String base, Process process) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end && process.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the metastore did not become ready");
    }
}
