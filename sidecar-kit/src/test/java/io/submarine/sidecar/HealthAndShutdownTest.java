package io.submarine.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.submarine.sidecar.health.HealthServer;
import io.submarine.sidecar.health.HealthServer.ReadinessCheck;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.ShutdownDeadline;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthAndShutdownTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(HealthServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesHealthReadinessAndPrometheusMetrics() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter shipped = Counter.builder().name("demo_lines_shipped").help("Lines shipped.").register(registry);
        shipped.inc(42);
        AtomicReference<String> storage = new AtomicReference<>("storage unreachable");
        try (HealthServer server = HealthServer.start("127.0.0.1", 0, registry)) {
            server.addReadinessCheck(new ReadinessCheck("storage", storage::get));
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(200);

            HttpResponse<String> notReady = get(server, "/readyz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("storage: storage unreachable");
            storage.set(null);
            assertThat(get(server, "/readyz").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = get(server, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(metrics.body()).contains("# TYPE demo_lines_shipped_total counter", "demo_lines_shipped_total 42.0");

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void shutdownRunsTasksInOrderAndReportsWhatTheDeadlineCutOff() {
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch never = new CountDownLatch(1);
        ShutdownDeadline shutdown = new ShutdownDeadline(Duration.ofMillis(500), Clock.systemUTC());
        shutdown.register("close segment", () -> ran.add("close segment"));
        shutdown.register("upload", () -> {
            throw new IllegalStateException("storage down");
        });
        shutdown.register("stuck", never::await);
        shutdown.register("write _COMPLETE", () -> ran.add("write _COMPLETE"));

        ShutdownDeadline.Outcome outcome = shutdown.runAll();
        assertThat(ran).containsExactly("close segment");
        assertThat(outcome.finished()).containsExactly("close segment");
        assertThat(outcome.failed()).containsExactly("upload: storage down");
        assertThat(outcome.unfinished()).containsExactly("stuck", "write _COMPLETE");
        assertThat(outcome.complete()).isFalse();
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.DEADLINE);
        assertThat(new ShutdownDeadline.Outcome(List.of("a"), List.of("b: failed"), List.of()).exitCode())
                .isEqualTo(ExitCode.INTERNAL);
        assertThat(new ShutdownDeadline.Outcome(List.of("a"), List.of(), List.of()).exitCode()).isEqualTo(ExitCode.OK);
    }

    @Test
    void deadlineMustBePositive() {
        assertThatThrownBy(() -> new ShutdownDeadline(Duration.ZERO, Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class);
    }
}
