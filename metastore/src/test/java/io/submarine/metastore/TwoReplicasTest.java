package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two metastore processes on one PostgreSQL, as a Deployment with two replicas runs them: started
 * at the same moment on an empty database, then sent reports and MLflow calls spread over both,
 * the same idempotency keys to both at once.
 */
class TwoReplicasTest {

    private static final String ADMIN = "replicas-admin";
    private static final String REPORTER = "replicas-reporter";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPORTS = 150;
    private static final int RUNS = 20;

    /** HTTP/1.1, a connection a request, as a Service spreads them: not streams of one HTTP/2 connection to one replica. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Enough threads that the two sends of a pair are truly at once (the common pool has one thread on two cores). */
    private final java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(16);
    /** The log calls of the runs, which wait for them on the senders: a pool of their own, or they could wait behind their waiters. */
    private final java.util.concurrent.ExecutorService loggers = java.util.concurrent.Executors.newFixedThreadPool(16);
    private Path dir;
    private PostgresServer postgres;

    @AfterEach
    void stop() throws Exception {
        senders.shutdownNow();
        loggers.shutdownNow();
        if (postgres != null) {
            postgres.close();
        }
        Fixtures.deleteTree(dir);
    }

    @Test
    @Timeout(300)
    void twoReplicasStartedTogetherOnAnEmptyDatabaseStoreEachThingOnceAndReadTheSame() throws Exception {
        // Not @TempDir: PostgreSQL runs as another user, which needs to own the directory.
        dir = Files.createTempDirectory("metastore-replicas");
        postgres = PostgresServer.start(dir.resolve("cluster"));
        Path tokens = Files.writeString(dir.resolve("tokens"), "admin " + ADMIN + "\nreporter " + REPORTER + "\n");
        String[] flags = {"--jdbc-url", postgres.jdbcUrl(), "--token-file", tokens.toString()};
        try (MetastoreProcess a = MetastoreProcess.start(Fixtures.freePort(), dir.resolve("a.log"), flags);
                MetastoreProcess b = MetastoreProcess.start(Fixtures.freePort(), dir.resolve("b.log"), flags)) {
            a.awaitReady();
            b.awaitReady();
            assertThat(migrationsApplied()).as("each migration ran once, by one replica, while the other waited").doesNotHaveDuplicates().isNotEmpty();

            Set<Integer> statuses = ConcurrentHashMap.newKeySet();
            // Every report sent to both replicas at once, under one key: one stores it, the other finds it stored.
            List<CompletableFuture<List<HttpResponse<String>>>> pairs = new ArrayList<>();
            for (int i = 0; i < REPORTS; i++) {
                String body = "{\"namespace\":\"team-a\",\"pod\":\"train-" + i + "\",\"podUid\":\"uid-" + i + "\",\"ownerKind\":\"experiment\","
                        + "\"ownerName\":\"replicas\",\"payload\":{\"points\":[{\"key\":\"loss\",\"value\":" + (1.0 / (i + 1)) + ",\"step\":" + i + "}]}}";
                String key = "report-" + i;
                pairs.add(CompletableFuture.supplyAsync(() -> post(a, "/api/v1/reports/metric-points", REPORTER, key, body), senders)
                        .thenCombine(CompletableFuture.supplyAsync(() -> post(b, "/api/v1/reports/metric-points", REPORTER, key, body), senders), List::of));
            }
            for (CompletableFuture<List<HttpResponse<String>>> pair : pairs) {
                List<HttpResponse<String>> both = pair.join();
                both.forEach(response -> statuses.add(response.statusCode()));
                assertThat(both.stream().map(HttpResponse::statusCode).sorted().toList()).as("%s", both.get(0).body()).containsExactly(200, 201);
                assertThat(JSON.readTree(both.get(0).body()).path("id")).isEqualTo(JSON.readTree(both.get(1).body()).path("id"));
            }
            assertThat(reportIds(a)).hasSize(REPORTS).isEqualTo(reportIds(b));
            String history = "/api/v1/metrics/history?ownerKind=experiment&ownerName=replicas&key=loss&maxPoints=100000";
            assertThat(get(a, history, ADMIN).path("points")).hasSize(REPORTS).isEqualTo(get(b, history, ADMIN).path("points"));

            // One experiment created on both at once: one wins, the other is told it exists.
            List<HttpResponse<String>> creates = List.of(
                    CompletableFuture.supplyAsync(() -> post(a, "/api/2.0/mlflow/experiments/create", REPORTER, null, "{\"name\":\"replicas\"}"), senders),
                    CompletableFuture.supplyAsync(() -> post(b, "/api/2.0/mlflow/experiments/create", REPORTER, null, "{\"name\":\"replicas\"}"), senders))
                    .stream().map(CompletableFuture::join).toList();
            assertThat(creates.stream().map(HttpResponse::statusCode).sorted().toList()).containsExactly(200, 400);
            assertThat(creates.stream().map(HttpResponse::body).filter(body -> body.contains("RESOURCE_ALREADY_EXISTS")).count()).isOne();
            String experimentId = get(a, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=replicas", REPORTER).path("experiment")
                    .path("experiment_id").asText();

            // Runs created on one replica, logged to through both at once, read back from either.
            List<CompletableFuture<String>> runs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                MetastoreProcess creator = i % 2 == 0 ? a : b;
                int trial = i;
                runs.add(CompletableFuture.supplyAsync(() -> {
                    HttpResponse<String> created = post(creator, "/api/2.0/mlflow/runs/create", REPORTER, null,
                            "{\"experiment_id\":\"" + experimentId + "\",\"run_name\":\"trial-" + trial + "\"}");
                    statuses.add(created.statusCode());
                    String runId = read(created.body()).path("run").path("info").path("run_id").asText();
                    List<CompletableFuture<HttpResponse<String>>> logs = new ArrayList<>();
                    for (int step = 0; step < 10; step++) {
                        MetastoreProcess replica = step % 2 == 0 ? a : b;
                        String batch = "{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"acc\",\"value\":" + step + ",\"timestamp\":" + step
                                + ",\"step\":" + step + "}],\"params\":[{\"key\":\"lr\",\"value\":\"0.01\"}],\"tags\":[{\"key\":\"step\",\"value\":\"" + step + "\"}]}";
                        logs.add(CompletableFuture.supplyAsync(() -> post(replica, "/api/2.0/mlflow/runs/log-batch", REPORTER, null, batch), loggers));
                    }
                    logs.forEach(log -> statuses.add(log.join().statusCode()));
                    return runId;
                }, senders));
            }
            for (CompletableFuture<String> run : runs) {
                String runId = run.join();
                JsonNode fromA = get(a, "/api/2.0/mlflow/runs/get?run_id=" + runId, REPORTER).path("run");
                JsonNode fromB = get(b, "/api/2.0/mlflow/runs/get?run_id=" + runId, REPORTER).path("run");
                assertThat(fromA.path("data")).isEqualTo(fromB.path("data"));
                assertThat(get(b, "/api/2.0/mlflow/metrics/get-history?run_id=" + runId + "&metric_key=acc", REPORTER).path("metrics")).hasSize(10);
            }
            String search = "{\"experiment_ids\":[\"" + experimentId + "\"],\"max_results\":1000}";
            assertThat(read(post(b, "/api/2.0/mlflow/runs/search", REPORTER, null, search).body()).path("runs")).hasSize(RUNS);
            assertThat(statuses).as("every answer a success or the expected conflict").allMatch(status -> status == 200 || status == 201 || status == 409);
            assertThat(a.output() + b.output()).doesNotContain("INTERNAL_ERROR", "\"level\":\"ERROR\"");
        }
    }

    /** The versions in Flyway's history table, one entry per run of a migration. */
    private List<String> migrationsApplied() throws Exception {
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), "submarine", "");
                ResultSet rows = connection.createStatement().executeQuery("SELECT version FROM flyway_schema_history WHERE version IS NOT NULL")) {
            List<String> versions = new ArrayList<>();
            while (rows.next()) {
                versions.add(rows.getString(1));
            }
            return versions;
        }
    }

    private Set<Long> reportIds(MetastoreProcess replica) {
        Set<Long> ids = new HashSet<>();
        long cursor = 0;
        while (true) {
            JsonNode page = get(replica, "/api/v1/reports/metric-points?ownerKind=experiment&ownerName=replicas&limit=1000&cursor=" + cursor, ADMIN);
            page.path("items").forEach(item -> ids.add(item.path("id").asLong()));
            if (!page.hasNonNull("nextCursor")) {
                return ids;
            }
            cursor = page.path("nextCursor").asLong();
        }
    }

    private HttpResponse<String> post(MetastoreProcess replica, String path, String token, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(replica.base + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode get(MetastoreProcess replica, String path, String token) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(replica.base + path)).header("Authorization", "Bearer " + token)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException(body, e);
        }
    }
}
