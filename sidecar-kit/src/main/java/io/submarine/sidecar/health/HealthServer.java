package io.submarine.sidecar.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process serves requests), {@code /readyz} (every registered check
 * passes; 503 with the failing ones otherwise) and {@code /metrics} (Prometheus text format from
 * a {@link PrometheusRegistry}) on one port. Port 0 picks a free one, for tests.
 */
public final class HealthServer implements AutoCloseable {

    /** A named readiness condition; {@code null} means ready, otherwise the reason it isn't. */
    public record ReadinessCheck(String name, Supplier<String> problem) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();
    private final PrometheusRegistry registry;

    private HealthServer(HttpServer server, ExecutorService executor, PrometheusRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
    }

    public static HealthServer start(String host, int port, PrometheusRegistry registry) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "health-http");
            thread.setDaemon(true);
            return thread;
        });
        HealthServer health = new HealthServer(server, executor, registry);
        server.createContext("/healthz", exchange -> health.respond(exchange, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", health::ready);
        server.createContext("/metrics", health::metrics);
        server.setExecutor(executor);
        server.start();
        return health;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void addReadinessCheck(ReadinessCheck check) {
        checks.add(check);
    }

    private void ready(HttpExchange exchange) throws IOException {
        StringBuilder problems = new StringBuilder();
        for (ReadinessCheck check : checks) {
            String problem;
            try {
                problem = check.problem().get();
            } catch (RuntimeException e) {
                problem = "check failed: " + e.getClass().getSimpleName();
            }
            if (problem != null) {
                problems.append(check.name()).append(": ").append(problem).append('\n');
            }
        }
        if (problems.length() == 0) {
            respond(exchange, 200, "text/plain", "ready\n");
        } else {
            respond(exchange, 503, "text/plain", problems.toString());
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        writer.write(body, registry.scrape());
        respond(exchange, 200, writer.getContentType(), body.toString(StandardCharsets.UTF_8));
    }

    private void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().putAll(Map.of("Allow", List.of("GET, HEAD")));
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
