package io.submarine.metrics;

import static io.submarine.metrics.SidecarProcess.await;
import static io.submarine.metrics.SidecarProcess.metric;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.TestBackend;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} as Prometheus takes it: {@code promtool check metrics} passes, and Debian's Prometheus scrapes it. */
class PrometheusTest {

    @TempDir
    Path dir;

    @Test
    void promtoolPassesAndPrometheusScrapesTheLatestScalarsCappedAtMaxSeries() throws Exception {
        if (Fixtures.onPath("promtool").isEmpty() || Fixtures.onPath("prometheus").isEmpty()) {
            Fixtures.unavailable("Debian's prometheus (promtool and prometheus) is not on PATH; .ci/run installs it");
        }
        Path promtool = Fixtures.onPath("promtool").orElseThrow();
        Path prometheus = Fixtures.onPath("prometheus").orElseThrow();
        try (TestBackend server = TestBackend.start("file", dir)) {
            Path logdir = dir.resolve("logdir");
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(),
                    SidecarProcess.args(server, logdir, dir.resolve("work"), "--max-series", "3"))) {
                int port = sidecar.ready();
                try (Training training = Training.start(logdir, 50, 0, dir)) {
                    training.finish();
                }
                await("every record is read", () -> metric(port, "metrics_sidecar_scalars_total") == 50 * 3 + 5);
                String exposition = SidecarProcess.metrics(port);
                assertThat(exposition).contains("tfevents_scalar{").contains("metrics_sidecar_dropped_series_total 1.0");
                Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
                check.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
                check.getOutputStream().close();
                String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(check.waitFor()).as("promtool check metrics: %s", said).isZero();

                int prometheusPort = Fixtures.freePort();
                Path config = Files.writeString(dir.resolve("prometheus.yml"), String.join("\n", "global:", "  scrape_interval: 1s",
                        "scrape_configs:", "  - job_name: metrics-sidecar", "    static_configs:", "      - targets: ['127.0.0.1:" + port + "']", ""));
                try (ExternalServer scraper = new ExternalServer("prometheus", List.of(prometheus.toString(), "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + prometheusPort), Map.of(), prometheusPort,
                        dir.resolve("prometheus.log"), Duration.ofSeconds(60))) {
                    scraper.start();
                    // Its port opens before its storage is: until /-/ready, queries are 503.
                    await("Prometheus is ready", () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + prometheusPort + "/-/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                    await("Prometheus has scraped the sidecar", () -> query(prometheusPort, "count(tfevents_scalar)").size() == 1);
                    assertThat(query(prometheusPort, "count(tfevents_scalar)").get(0).path("value").get(1).asText()).isEqualTo("3");
                    JsonNode records = query(prometheusPort, "metrics_sidecar_records_total{job=\"metrics-sidecar\"}");
                    assertThat(records.get(0).path("value").get(1).asDouble()).isEqualTo(metric(port, "metrics_sidecar_records_total"));
                }
            }
        }
    }

    /** The result of an instant query against Prometheus's HTTP API. */
    private static JsonNode query(int port, String promql) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body()).path("data").path("result");
    }
}
