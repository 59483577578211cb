package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The REST API against a real database; subclasses choose which (embedded H2, PostgreSQL). */
abstract class MetastoreApiTest {

    static final String REPORTER = "reporter-token-1";
    static final String READER = "reader-token-2";
    static final String ADMIN = "admin-token-3";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static MetastoreServer server;
    private static Database database;

    static void startServer(Database database, Path dir) throws Exception {
        MetastoreApiTest.database = database;
        Path tokens = Files.writeString(dir.resolve("tokens"), "reporter " + REPORTER + "\nreader " + READER + "\nadmin " + ADMIN + "\n");
        server = MetastoreServer.start(database, Optional.of(Tokens.read(tokens)), "127.0.0.1", 0, 64 * 1024);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    static String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    static HttpResponse<String> post(String path, String token, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String report(String pod, String payload) {
        return "{\"namespace\":\"team-a\",\"pod\":\"" + pod + "\",\"podUid\":\"uid-" + pod + "\",\"container\":\"localizer\",\"restart\":0,"
                + "\"ownerKind\":\"experiment\",\"ownerName\":\"resnet\",\"payload\":" + payload + "}";
    }

    @Test
    void aReportIsStoredOnceHoweverOftenItIsSent() throws Exception {
        String body = report("trainer-0", "{\"source\":\"trainer\",\"revision\":\"abc\"}");
        HttpResponse<String> first = post("/api/v1/reports/localizations", REPORTER, "key-once", body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> again = post("/api/v1/reports/localizations", REPORTER, "key-once", body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asBoolean()).isTrue();
        assertThat(JSON.readTree(again.body()).path("id").asLong()).isEqualTo(JSON.readTree(first.body()).path("id").asLong());

        JsonNode page = JSON.readTree(get("/api/v1/reports/localizations?namespace=team-a&pod=trainer-0", READER).body());
        assertThat(page.path("items")).hasSize(1);
        assertThat(page.path("items").get(0).path("payload").path("revision").asText()).isEqualTo("abc");
        assertThat(page.path("items").get(0).path("ownerName").asText()).isEqualTo("resnet");
    }

    @Test
    void reportsAreListedByOwner() throws Exception {
        for (String owner : new String[] {"bert", "gpt", "bert"}) {
            String uri = "s3://models/" + owner + "/" + System.nanoTime();
            String body = "{\"namespace\":\"team-b\",\"pod\":\"" + owner + "-train-0\",\"podUid\":\"u-" + owner + "\",\"container\":\"artifact-sync\",\"restart\":0,"
                    + "\"ownerKind\":\"experiment\",\"ownerName\":\"" + owner + "\",\"payload\":{\"uri\":\"" + uri + "\",\"manifestDigest\":\"sha256:00\",\"files\":3,\"bytes\":1024}}";
            assertThat(post("/api/v1/reports/model-versions", REPORTER, uri, body).statusCode()).isEqualTo(201);
        }
        JsonNode bert = JSON.readTree(get("/api/v1/reports/model-versions?ownerKind=experiment&ownerName=bert", READER).body());
        assertThat(bert.path("items")).hasSize(2);
        assertThat(bert.path("items").findValuesAsText("ownerName")).containsOnly("bert");
        assertThat(bert.path("items").get(0).path("payload").path("uri").asText()).startsWith("s3://models/bert/");
        assertThat(JSON.readTree(get("/api/v1/reports/model-versions?ownerKind=notebook&ownerName=bert", READER).body()).path("items")).isEmpty();
        assertThat(JSON.readTree(get("/api/v1/reports/model-versions?namespace=team-b&container=artifact-sync", READER).body()).path("items")).hasSize(3);
    }

    @Test
    void listingsPageWithACursor() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(post("/api/v1/reports/log-segments", REPORTER, "seg-" + i, report("pager", "{\"seq\":" + i + "}")).statusCode()).isEqualTo(201);
        }
        JsonNode first = JSON.readTree(get("/api/v1/reports/log-segments?pod=pager&limit=3", READER).body());
        assertThat(first.path("items")).hasSize(3);
        JsonNode second = JSON.readTree(get("/api/v1/reports/log-segments?pod=pager&limit=3&cursor=" + first.path("nextCursor").asText(), READER).body());
        assertThat(second.path("items")).hasSize(2);
        assertThat(second.has("nextCursor")).isFalse();
        assertThat(second.path("items").get(1).path("payload").path("seq").asInt()).isEqualTo(4);
    }

    @Test
    void sqlInjectionIsStoredVerbatimAndHarmless() throws Exception {
        String evil = "x'); DROP TABLE reports; --";
        assertThat(post("/api/v1/reports/lifecycle", REPORTER, evil, report("evil", "{\"note\":\"" + evil + "\"}")).statusCode()).isEqualTo(201);
        JsonNode page = JSON.readTree(get("/api/v1/reports/lifecycle?pod=evil", READER).body());
        assertThat(page.path("items").get(0).path("payload").path("note").asText()).isEqualTo(evil);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no token                 | POST | /api/v1/reports/localizations |                  | k | {}                                   | 401
            unknown token            | POST | /api/v1/reports/localizations | nope             | k | {}                                   | 401
            reader may not report    | POST | /api/v1/reports/localizations | reader-token-2   | k | {}                                   | 403
            reporter may not read    | GET  | /api/v1/reports/localizations | reporter-token-1 |   |                                      | 403
            unknown kind             | POST | /api/v1/reports/recipes       | reporter-token-1 | k | {}                                   | 404
            unknown endpoint         | GET  | /api/v1/nothing               | reader-token-2   |   |                                      | 404
            no idempotency key       | POST | /api/v1/reports/localizations | reporter-token-1 |   | {}                                   | 400
            malformed JSON           | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":                        | 400
            not an object            | POST | /api/v1/reports/localizations | reporter-token-1 | k | [1,2]                                | 400
            missing fields           | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"payload":{}}                       | 400
            wrong type               | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":1,"pod":"p","podUid":"u","payload":{}} | 400
            unknown field            | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":"n","pod":"p","podUid":"u","payload":{},"extra":1} | 400
            negative restart         | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":"n","pod":"p","podUid":"u","restart":-1,"payload":{}} | 400
            bad owner kind           | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":"n","pod":"p","podUid":"u","ownerKind":"job","payload":{}} | 400
            bad limit                | GET  | /api/v1/reports/localizations?limit=abc | reader-token-2 | |                               | 400
            """)
    void badRequestsGetA4xxWithCodeAndMessage(String name, String method, String path, String token, String key, String body, int status) throws Exception {
        HttpResponse<String> response = method.equals("GET") ? get(path, token) : post(path, token, key, body == null ? "" : body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.path("code").asText()).isNotBlank();
        assertThat(error.path("message").asText()).isNotBlank();
    }

    @Test
    void anOversizeBodyIs413() throws Exception {
        HttpResponse<String> response = post("/api/v1/reports/localizations", REPORTER, "big", report("big", "{\"blob\":\"" + "x".repeat(100_000) + "\"}"));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).path("code").asText()).isEqualTo("REQUEST_TOO_LARGE");
    }

    @Test
    void metricPointsAreStoredOnceAndServedBackThinned() throws Exception {
        StringBuilder points = new StringBuilder("{\"points\":[");
        for (int step = 0; step < 100; step++) {
            points.append(step == 0 ? "" : ",").append("{\"key\":\"loss\",\"value\":").append(1.0 / (step + 1)).append(",\"step\":").append(step)
                    .append(",\"timestamp\":").append(1_700_000_000_000L + step).append("}");
        }
        points.append("]}");
        String body = report("metrics-pod", points.toString());
        assertThat(post("/api/v1/reports/metric-points", REPORTER, "points-1", body).statusCode()).isEqualTo(201);
        assertThat(post("/api/v1/reports/metric-points", REPORTER, "points-1", body).statusCode()).as("retry adds nothing").isEqualTo(200);

        String history = "/api/v1/metrics/history?ownerKind=experiment&ownerName=resnet&key=loss";
        JsonNode all = JSON.readTree(get(history, READER).body()).path("points");
        assertThat(all).hasSize(100);
        assertThat(all.get(99).path("step").asLong()).isEqualTo(99);
        JsonNode thinned = JSON.readTree(get(history + "&maxPoints=10", READER).body()).path("points");
        assertThat(thinned).hasSize(10);
        assertThat(thinned.get(0).path("step").asLong()).isZero();
        assertThat(thinned.get(9).path("step").asLong()).isEqualTo(99);
        JsonNode range = JSON.readTree(get(history + "&fromStep=10&toStep=19", READER).body()).path("points");
        assertThat(range).hasSize(10);

        assertThat(post("/api/v1/reports/metric-points", REPORTER, "points-bad", report("metrics-pod", "{\"points\":[{\"key\":\"loss\"}]}"))
                .statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/metrics/history?ownerKind=experiment", READER).statusCode()).isEqualTo(400);
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("metastore_reports_total{duplicate=\"true\",kind=\"metric-points\"}", "metastore_metric_points_total");
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRoutes() throws Exception {
        String yaml = HTTP.send(HttpRequest.newBuilder(URI.create(url("/openapi.yaml"))).build(), HttpResponse.BodyHandlers.ofString()).body();
        JsonNode paths = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml).path("paths");
        java.util.Set<String> documented = new java.util.TreeSet<>();
        paths.properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (!method.equals("parameters")) {
                // Kinds whose bodies need more are documented by name; the service serves them by its {kind} routes.
                String route = path.getKey().replaceFirst("^/api/v1/resources/(environments|servings|model-versions)(?=/|$)", "/api/v1/resources/{kind}")
                        .replaceFirst("^/api/v1/reports/metric-points$", "/api/v1/reports/{kind}");
                documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + route);
            }
        }));
        assertThat(documented).isEqualTo(server.routes());
    }

    /** As a training script calls it, with a reporter's token; deleting and restoring, as an admin. */
    private static JsonNode mlflow(String method, String path, String body) throws Exception {
        String token = path.matches("/(experiments|runs)/(delete|restore)") ? ADMIN : REPORTER;
        HttpResponse<String> response = method.equals("GET") ? get("/api/2.0/mlflow" + path, token)
                : post("/api/2.0/mlflow" + path, token, null, body);
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void mlflowTrackingAsAClientUsesIt() throws Exception {
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"resnet-tuning\"}").path("experiment_id").asText();
        assertThat(mlflow("GET", "/experiments/get-by-name?experiment_name=resnet-tuning", null).path("experiment").path("experiment_id").asText())
                .isEqualTo(experimentId);
        JsonNode duplicate = JSON.readTree(post("/api/2.0/mlflow/experiments/create", REPORTER, null, "{\"name\":\"resnet-tuning\"}").body());
        assertThat(duplicate.path("error_code").asText()).isEqualTo("RESOURCE_ALREADY_EXISTS");

        JsonNode run = mlflow("POST", "/runs/create", "{\"experiment_id\":\"" + experimentId + "\",\"start_time\":1700000000000,"
                + "\"tags\":[{\"key\":\"mlflow.user\",\"value\":\"alice\"}]}").path("run");
        String runId = run.path("info").path("run_id").asText();
        assertThat(run.path("info").path("status").asText()).isEqualTo("RUNNING");

        mlflow("POST", "/runs/log-parameter", "{\"run_id\":\"" + runId + "\",\"key\":\"lr\",\"value\":\"0.01\"}");
        mlflow("POST", "/runs/log-metric", "{\"run_id\":\"" + runId + "\",\"key\":\"loss\",\"value\":0.9,\"timestamp\":1,\"step\":0}");
        mlflow("POST", "/runs/log-batch", "{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"loss\",\"value\":0.5,\"timestamp\":\"2\",\"step\":\"1\"},"
                + "{\"key\":\"acc\",\"value\":0.7,\"timestamp\":2,\"step\":1}],\"params\":[{\"key\":\"batch\",\"value\":\"32\"}],"
                + "\"tags\":[{\"key\":\"stage\",\"value\":\"tuning\"}]}");
        mlflow("POST", "/runs/set-tag", "{\"run_id\":\"" + runId + "\",\"key\":\"stage\",\"value\":\"done\"}");
        mlflow("POST", "/runs/update", "{\"run_id\":\"" + runId + "\",\"status\":\"FINISHED\",\"end_time\":1700000009999}");

        JsonNode fetched = mlflow("GET", "/runs/get?run_id=" + runId, null).path("run");
        assertThat(fetched.path("info").path("status").asText()).isEqualTo("FINISHED");
        assertThat(fetched.path("info").path("end_time").asLong()).isEqualTo(1700000009999L);
        assertThat(fetched.path("data").path("metrics").findValuesAsText("key")).containsExactly("acc", "loss");
        assertThat(fetched.path("data").path("metrics").get(1).path("value").asDouble()).as("latest loss").isEqualTo(0.5);
        assertThat(fetched.path("data").path("params").findValuesAsText("key")).containsExactly("batch", "lr");
        assertThat(fetched.path("data").path("tags").toString()).contains("\"stage\"", "\"done\"", "mlflow.user");

        JsonNode history = mlflow("GET", "/metrics/get-history?run_id=" + runId + "&metric_key=loss", null).path("metrics");
        assertThat(history.findValuesAsText("step")).containsExactly("0", "1");
        assertThat(mlflow("POST", "/runs/search", "{\"experiment_ids\":[\"" + experimentId + "\"]}").path("runs")).hasSize(1);
        assertThat(mlflow("POST", "/experiments/search", "{\"max_results\":1000}").path("experiments").findValuesAsText("name")).contains("resnet-tuning");

        // MLflow metrics are metric points of the experiment, so our own history API sees them too.
        JsonNode ours = JSON.readTree(get("/api/v1/metrics/history?ownerKind=experiment&ownerName=resnet-tuning&key=loss", READER).body());
        assertThat(ours.path("points")).hasSize(2);
    }

    @Test
    void mlflowSearchLifecycleAndExperimentTags() throws Exception {
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"search-space\"}").path("experiment_id").asText();
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String runId = mlflow("POST", "/runs/create", "{\"experiment_id\":\"" + experimentId + "\",\"run_name\":\"trial-" + i + "\",\"start_time\":" + (1000 + i) + "}")
                    .path("run").path("info").path("run_id").asText();
            mlflow("POST", "/runs/log-batch", "{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"loss\",\"value\":" + (1.0 - 0.25 * i) + ",\"timestamp\":1}],"
                    + "\"params\":[{\"key\":\"model\",\"value\":\"" + (i % 2 == 0 ? "cnn" : "mlp") + "\"}]}");
            runIds.add(runId);
        }
        String search = "/runs/search";
        String ids = "\"experiment_ids\":[\"" + experimentId + "\"]";
        assertThat(runNames(mlflow("POST", search, "{" + ids + ",\"filter\":\"metrics.loss < 0.6 and params.model = 'cnn'\"}"))).containsExactly("trial-2");
        JsonNode first = mlflow("POST", search, "{" + ids + ",\"order_by\":[\"metrics.loss ASC\"],\"max_results\":3}");
        assertThat(runNames(first)).containsExactly("trial-3", "trial-2", "trial-1");
        JsonNode second = mlflow("POST", search, "{" + ids + ",\"order_by\":[\"metrics.loss ASC\"],\"max_results\":3,\"page_token\":\"" + first.path("next_page_token").asText() + "\"}");
        assertThat(runNames(second)).containsExactly("trial-0");
        HttpResponse<String> bad = post("/api/2.0/mlflow/runs/search", REPORTER, null, "{" + ids + ",\"filter\":\"metrics.loss < 'low'\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");

        mlflow("POST", "/runs/delete", "{\"run_id\":\"" + runIds.get(1) + "\"}");
        assertThat(runNames(mlflow("POST", search, "{" + ids + "}"))).containsExactly("trial-3", "trial-2", "trial-0");
        assertThat(runNames(mlflow("POST", search, "{" + ids + ",\"run_view_type\":\"DELETED_ONLY\"}"))).containsExactly("trial-1");
        HttpResponse<String> toDeleted = post("/api/2.0/mlflow/runs/log-metric", REPORTER, null, "{\"run_id\":\"" + runIds.get(1) + "\",\"key\":\"loss\",\"value\":1,\"timestamp\":2}");
        assertThat(JSON.readTree(toDeleted.body()).path("error_code").asText()).isEqualTo("INVALID_STATE");
        mlflow("POST", "/runs/restore", "{\"run_id\":\"" + runIds.get(1) + "\"}");
        assertThat(runNames(mlflow("POST", search, "{" + ids + "}"))).hasSize(4);

        mlflow("POST", "/runs/set-tag", "{\"run_id\":\"" + runIds.get(0) + "\",\"key\":\"note\",\"value\":\"same\"}");
        mlflow("POST", "/runs/set-tag", "{\"run_id\":\"" + runIds.get(0) + "\",\"key\":\"note\",\"value\":\"same\"}");
        assertThat(runNames(mlflow("POST", search, "{" + ids + ",\"filter\":\"tags.note = 'same'\"}"))).containsExactly("trial-0");
        mlflow("POST", "/runs/delete-tag", "{\"run_id\":\"" + runIds.get(0) + "\",\"key\":\"note\"}");
        assertThat(runNames(mlflow("POST", search, "{" + ids + ",\"filter\":\"tags.note = 'same'\"}"))).isEmpty();

        mlflow("POST", "/experiments/set-experiment-tag", "{\"experiment_id\":\"" + experimentId + "\",\"key\":\"group\",\"value\":\"vision\"}");
        JsonNode tagged = mlflow("POST", "/experiments/search", "{\"filter\":\"tags.group = 'vision'\"}").path("experiments");
        assertThat(tagged.findValuesAsText("name")).containsExactly("search-space");
        assertThat(tagged.get(0).path("tags").get(0).path("value").asText()).isEqualTo("vision");
        mlflow("POST", "/experiments/delete", "{\"experiment_id\":\"" + experimentId + "\"}");
        assertThat(mlflow("POST", "/experiments/search", "{\"filter\":\"name = 'search-space'\"}").path("experiments")).isEmpty();
        assertThat(mlflow("POST", "/experiments/search", "{\"filter\":\"name = 'search-space'\",\"view_type\":\"DELETED_ONLY\"}").path("experiments")).hasSize(1);
        assertThat(runNames(mlflow("POST", search, "{" + ids + ",\"run_view_type\":\"DELETED_ONLY\"}"))).as("its runs go with it").hasSize(4);
        mlflow("POST", "/experiments/restore", "{\"experiment_id\":\"" + experimentId + "\"}");
        assertThat(runNames(mlflow("POST", search, "{" + ids + "}"))).hasSize(4);

        // Clients that never set an experiment use MLflow's "Default", id 0.
        assertThat(mlflow("GET", "/experiments/get?experiment_id=0", null).path("experiment").path("name").asText()).isEqualTo("Default");
        mlflow("POST", "/runs/create", "{\"experiment_id\":\"0\"}");
    }

    private static List<String> runNames(JsonNode page) {
        List<String> names = new ArrayList<>();
        page.path("runs").forEach(run -> names.add(run.path("info").path("run_name").asText()));
        return names;
    }

    @Test
    void concurrentWritesOfTheSameThingAllLand() throws Exception {
        // Requests run in parallel on the database: a first insert racing another must read as the same write, not fail.
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"racing\"}").path("experiment_id").asText();
        String runId = mlflow("POST", "/runs/create", "{\"experiment_id\":" + experimentId + "}").path("run").path("info").path("run_id").asText();
        String report = report("racer-0", "{\"points\":[{\"key\":\"lap\",\"value\":1,\"step\":1,\"timestamp\":1}]}");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(24);
        try {
            List<java.util.concurrent.Future<HttpResponse<String>>> params = new ArrayList<>();
            List<java.util.concurrent.Future<HttpResponse<String>>> tags = new ArrayList<>();
            List<java.util.concurrent.Future<HttpResponse<String>>> reports = new ArrayList<>();
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < 24; i++) {
                String key = "k" + (i % 3);
                params.add(pool.submit(() -> {
                    start.await();
                    return post("/api/2.0/mlflow/runs/log-batch", REPORTER, null, "{\"run_id\":\"" + runId + "\",\"params\":[{\"key\":\"" + key
                            + "\",\"value\":\"v\"}],\"metrics\":[{\"key\":\"" + key + "\",\"value\":1,\"timestamp\":1}]}");
                }));
                tags.add(pool.submit(() -> {
                    start.await();
                    return post("/api/2.0/mlflow/runs/set-tag", REPORTER, null, "{\"run_id\":\"" + runId + "\",\"key\":\"" + key + "\",\"value\":\"t\"}");
                }));
                reports.add(pool.submit(() -> {
                    start.await();
                    return post("/api/v1/reports/metric-points", REPORTER, "race-key", report);
                }));
            }
            Thread.sleep(200);
            start.countDown();
            for (java.util.concurrent.Future<HttpResponse<String>> response : params) {
                assertThat(response.get().statusCode()).as(response.get().body()).isEqualTo(200);
            }
            for (java.util.concurrent.Future<HttpResponse<String>> response : tags) {
                assertThat(response.get().statusCode()).as(response.get().body()).isEqualTo(200);
            }
            List<Integer> statuses = new ArrayList<>();
            for (java.util.concurrent.Future<HttpResponse<String>> response : reports) {
                statuses.add(response.get().statusCode());
            }
            assertThat(statuses).as("one stored, the rest answered as repeats").containsOnly(200, 201).containsOnlyOnce(201);
        } finally {
            pool.shutdown();
        }
        JsonNode run = mlflow("GET", "/runs/get?run_id=" + runId, null).path("run").path("data");
        assertThat(run.path("params").findValuesAsText("key")).containsExactly("k0", "k1", "k2");
        assertThat(run.path("metrics").findValuesAsText("key")).containsExactly("k0", "k1", "k2");
        assertThat(JSON.readTree(get("/api/v1/metrics/history?ownerKind=experiment&ownerName=resnet&key=lap", READER).body()).path("points")).hasSize(1);
    }

    @Test
    void aTagOrParamInsertedByAConcurrentTransactionIsTakenNotRefused() throws Exception {
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"interleaved\"}").path("experiment_id").asText();
        String runId = mlflow("POST", "/runs/create", "{\"experiment_id\":" + experimentId + "}").path("run").path("info").path("run_id").asText();
        try (java.sql.Connection other = database.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (java.sql.Statement statement = other.createStatement()) {
                statement.executeUpdate("INSERT INTO mlflow_tags (run_id, tag_key, tag_value) VALUES ('" + runId + "', 'stage', 'first')");
                statement.executeUpdate("INSERT INTO mlflow_params (run_id, param_key, param_value) VALUES ('" + runId + "', 'lr', '0.1')");
            }
            // Each request finds no row, inserts, and waits on the other transaction's uncommitted key until it commits.
            java.util.concurrent.CompletableFuture<HttpResponse<String>> tag = java.util.concurrent.CompletableFuture.supplyAsync(() -> sendQuietly(
                    "/api/2.0/mlflow/runs/set-tag", "{\"run_id\":\"" + runId + "\",\"key\":\"stage\",\"value\":\"second\"}"));
            java.util.concurrent.CompletableFuture<HttpResponse<String>> param = java.util.concurrent.CompletableFuture.supplyAsync(() -> sendQuietly(
                    "/api/2.0/mlflow/runs/log-parameter", "{\"run_id\":\"" + runId + "\",\"key\":\"lr\",\"value\":\"0.1\"}"));
            Thread.sleep(700);
            other.commit();
            assertThat(tag.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).as(tag.get().body()).isEqualTo(200);
            assertThat(param.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).as(param.get().body()).isEqualTo(200);
        }
        JsonNode data = mlflow("GET", "/runs/get?run_id=" + runId, null).path("run").path("data");
        assertThat(data.path("tags").toString()).contains("\"second\"");
        assertThat(data.path("params").findValuesAsText("value")).containsExactly("0.1");
    }

    private static HttpResponse<String> sendQuietly(String path, String body) {
        try {
            return post(path, REPORTER, null, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPostWithNoBodyIsAClientErrorThatSaysWhatWasExpected() throws Exception {
        // Once a 500 (a null buffer handed to the JSON parser) on every write that needs a body.
        for (String path : List.of("/api/v1/reports/log-segments", "/api/v1/resources/notebooks", "/api/2.0/mlflow/runs/log-metric",
                "/api/2.0/mlflow/experiments/create", "/api/2.0/mlflow/runs/search")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + ADMIN)
                    .header("Idempotency-Key", "no-body").POST(HttpRequest.BodyPublishers.noBody());
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(400);
            assertThat(response.body()).as(path).containsAnyOf("send a JSON object", "Missing value for required parameter");
        }
    }

    @Test
    void aMethodAKnownPathDoesNotServeIs405WithAllow() throws Exception {
        for (Map.Entry<String, String> path : Map.of("/api/2.0/mlflow/runs/get", "GET", "/healthz", "GET",
                "/api/v1/resources/notebooks/some-name", "DELETE, GET, PUT").entrySet()) {
            HttpResponse<String> trace = HTTP.send(HttpRequest.newBuilder(URI.create(url(path.getKey()))).header("Authorization", "Bearer " + ADMIN)
                    .method("TRACE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(trace.statusCode()).as(path.getKey()).isEqualTo(405);
            assertThat(trace.headers().firstValue("Allow")).as(path.getKey()).contains(path.getValue());
        }
        assertThat(get("/api/v1/no-such-thing", ADMIN).statusCode()).isEqualTo(404);
    }

    @Test
    void mlflowFieldsAreTypedAsItsProtosTypeThem() throws Exception {
        // Once 200: the tags were not read at all.
        HttpResponse<String> tags = post("/api/2.0/mlflow/experiments/create", REPORTER, null, "{\"name\":\"typed\",\"tags\":\"no\"}");
        assertThat(tags.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(tags.body()).path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"typed\",\"tags\":[{\"key\":\"team\",\"value\":\"vision\"}]}")
                .path("experiment_id").asText();
        assertThat(mlflow("GET", "/experiments/get?experiment_id=" + experimentId, null).path("experiment").path("tags").toString())
                .contains("\"team\"", "\"vision\"");
        for (String body : List.of("{\"experiment_id\":\"" + experimentId + "\",\"start_time\":1.5}",
                "{\"experiment_id\":\"" + experimentId + "\",\"user_id\":7}", "{\"experiment_id\":\"x1\"}",
                "{\"experiment_id\":\"" + experimentId + "\",\"run_name\":\"a\\u0000b\"}")) {
            HttpResponse<String> response = post("/api/2.0/mlflow/runs/create", REPORTER, null, body);
            assertThat(response.statusCode()).as(body + " " + response.body()).isEqualTo(400);
        }
        assertThat(mlflow("POST", "/runs/create", "{\"experiment_id\":" + experimentId + ",\"start_time\":\"1700000000000\",\"run_name\":null}")
                .path("run").path("info").path("start_time").asLong()).as("int64 as a string, null as left out").isEqualTo(1_700_000_000_000L);
    }

    @Test
    void mlflowErrorsUseItsCodesAndLimits() throws Exception {
        JsonNode missing = JSON.readTree(get("/api/2.0/mlflow/runs/get?run_id=nope", REPORTER).body());
        assertThat(missing.path("error_code").asText()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"limits\"}").path("experiment_id").asText();
        String runId = mlflow("POST", "/runs/create", "{\"experiment_id\":" + experimentId + "}").path("run").path("info").path("run_id").asText();
        StringBuilder tooMany = new StringBuilder("{\"run_id\":\"" + runId + "\",\"params\":[");
        for (int i = 0; i <= 100; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"key\":\"p").append(i).append("\",\"value\":\"v\"}");
        }
        HttpResponse<String> response = post("/api/2.0/mlflow/runs/log-batch", REPORTER, null, tooMany.append("]}").toString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        mlflow("POST", "/runs/log-parameter", "{\"run_id\":\"" + runId + "\",\"key\":\"lr\",\"value\":\"0.1\"}");
        HttpResponse<String> changed = post("/api/2.0/mlflow/runs/log-parameter", REPORTER, null, "{\"run_id\":\"" + runId + "\",\"key\":\"lr\",\"value\":\"0.2\"}");
        assertThat(changed.statusCode()).isEqualTo(400);
        HttpResponse<String> badMetric = post("/api/2.0/mlflow/runs/log-metric", REPORTER, null, "{\"run_id\":\"" + runId + "\",\"key\":\"x\",\"value\":\"high\",\"timestamp\":1}");
        assertThat(badMetric.statusCode()).isEqualTo(400);
        assertThat(post("/api/2.0/mlflow/experiments/create", REPORTER, null, "{\"name\":").statusCode()).isEqualTo(400);
    }

    @Test
    void mlflowMetricsKeepNanAndInfinity() throws Exception {
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"diverging\"}").path("experiment_id").asText();
        String runId = mlflow("POST", "/runs/create", "{\"experiment_id\":" + experimentId + "}").path("run").path("info").path("run_id").asText();
        mlflow("POST", "/runs/log-batch", "{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"loss\",\"value\":\"NaN\",\"timestamp\":1,\"step\":0},"
                + "{\"key\":\"loss\",\"value\":\"Infinity\",\"timestamp\":2,\"step\":1},{\"key\":\"loss\",\"value\":\"-Infinity\",\"timestamp\":3,\"step\":2},"
                + "{\"key\":\"loss\",\"value\":1.5e308,\"timestamp\":4,\"step\":3}]}");
        JsonNode history = mlflow("GET", "/metrics/get-history?run_id=" + runId + "&metric_key=loss", null).path("metrics");
        assertThat(history.findValuesAsText("value")).containsExactly("NaN", "Infinity", "-Infinity", "1.5E308");
    }

    private static HttpResponse<String> send(String method, String path, String token, String ifMatch, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void resourcesHaveCrudWithOptimisticConcurrency() throws Exception {
        String envs = "/api/v1/resources/environments";
        HttpResponse<String> created = send("POST", envs, ADMIN, null, "{\"name\":\"tf-2.15\",\"spec\":{\"dockerImage\":\"tf:2.15\",\"pip\":[\"numpy\"]}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("ETag")).contains("\"1\"");
        assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"tf-2.15\",\"spec\":{\"dockerImage\":\"x\"}}").statusCode()).isEqualTo(409);

        HttpResponse<String> read = send("GET", envs + "/tf-2.15", READER, null, null);
        assertThat(JSON.readTree(read.body()).path("spec").path("pip").get(0).asText()).isEqualTo("numpy");
        String etag = read.headers().firstValue("ETag").orElseThrow();

        String change = "{\"spec\":{\"dockerImage\":\"tf:2.15.1\"}}";
        assertThat(send("PUT", envs + "/tf-2.15", ADMIN, null, change).statusCode()).as("no If-Match").isEqualTo(428);
        HttpResponse<String> updated = send("PUT", envs + "/tf-2.15", ADMIN, etag, change);
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(updated.headers().firstValue("ETag")).contains("\"2\"");
        HttpResponse<String> stale = send("PUT", envs + "/tf-2.15", ADMIN, etag, "{\"spec\":{\"dockerImage\":\"lost-update\"}}");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(JSON.readTree(send("GET", envs + "/tf-2.15", READER, null, null).body()).path("spec").path("dockerImage").asText()).isEqualTo("tf:2.15.1");

        assertThat(send("POST", envs, READER, null, "{\"name\":\"x\",\"spec\":{\"dockerImage\":\"x\"}}").statusCode()).as("reader may not write").isEqualTo(403);
        assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"no-image\",\"spec\":{}}").statusCode()).isEqualTo(400);
        assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"Bad Name\",\"spec\":{\"dockerImage\":\"x\"}}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/v1/resources/model-versions", ADMIN, null,
                "{\"name\":\"resnet-1\",\"spec\":{\"model\":\"resnet\",\"uri\":\"s3://m/resnet/1\"}}").statusCode()).as("unregistered model").isEqualTo(404);
        assertThat(send("POST", "/api/v1/resources/registered-models", ADMIN, null, "{\"name\":\"resnet\",\"spec\":{}}").statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/resources/model-versions", ADMIN, null,
                "{\"name\":\"resnet-1\",\"spec\":{\"model\":\"resnet\",\"uri\":\"s3://m/resnet/1\"}}").statusCode()).isEqualTo(201);

        for (String name : new String[] {"tf-2.16", "tf-2.17", "torch-2.3"}) {
            assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"" + name + "\",\"spec\":{\"dockerImage\":\"i\"}}").statusCode()).isEqualTo(201);
        }
        JsonNode page = JSON.readTree(send("GET", envs + "?prefix=tf-&limit=2", READER, null, null).body());
        assertThat(page.path("items").findValuesAsText("name")).containsExactly("tf-2.15", "tf-2.16");
        JsonNode next = JSON.readTree(send("GET", envs + "?prefix=tf-&limit=2&cursor=" + page.path("nextCursor").asText(), READER, null, null).body());
        assertThat(next.path("items").findValuesAsText("name")).containsExactly("tf-2.17");

        assertThat(send("DELETE", envs + "/tf-2.15", ADMIN, "\"1\"", null).statusCode()).as("stale delete").isEqualTo(412);
        assertThat(send("DELETE", envs + "/tf-2.15", ADMIN, "\"2\"", null).statusCode()).isEqualTo(204);
        assertThat(send("GET", envs + "/tf-2.15", READER, null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/resources/recipes", READER, null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void resourceListsFilterOnSpecFieldsAndSort() throws Exception {
        String notebooks = "/api/v1/resources/notebooks";
        // More than one scan batch (500 rows), so that a filtered page is gathered across batches.
        for (int i = 0; i < 510; i++) {
            String spec = "{\"environment\":\"" + (i % 100 == 7 ? "torch" : "tf") + "\",\"resources\":{\"gpu\":" + (i / 100) % 2 + "}}";
            HttpResponse<String> created = send("POST", notebooks, ADMIN, null, "{\"name\":\"nb-%03d\",\"spec\":%s}".formatted(i, spec));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        JsonNode torch = JSON.readTree(send("GET", notebooks + "?spec.environment=torch&limit=4", READER, null, null).body());
        assertThat(torch.path("items").findValuesAsText("name")).containsExactly("nb-007", "nb-107", "nb-207", "nb-307");
        JsonNode rest = JSON.readTree(send("GET", notebooks + "?spec.environment=torch&limit=4&cursor=" + torch.path("nextCursor").asText(), READER, null, null).body());
        assertThat(rest.path("items").findValuesAsText("name")).containsExactly("nb-407", "nb-507");
        assertThat(rest.has("nextCursor")).isFalse();
        assertThat(JSON.readTree(send("GET", notebooks + "?spec.environment=torch&spec.resources.gpu=1", READER, null, null).body())
                .path("items").findValuesAsText("name")).containsExactly("nb-107", "nb-307", "nb-507");

        JsonNode byNameDown = JSON.readTree(send("GET", notebooks + "?sort=-name&limit=3", READER, null, null).body());
        assertThat(byNameDown.path("items").findValuesAsText("name")).containsExactly("nb-509", "nb-508", "nb-507");
        JsonNode nextDown = JSON.readTree(send("GET", notebooks + "?sort=-name&limit=2&cursor=" + byNameDown.path("nextCursor").asText(), READER, null, null).body());
        assertThat(nextDown.path("items").findValuesAsText("name")).containsExactly("nb-506", "nb-505");
        assertThat(JSON.readTree(send("GET", notebooks + "?sort=-created&limit=2", READER, null, null).body()).path("items").findValuesAsText("name"))
                .containsExactly("nb-509", "nb-508");

        String etag = send("GET", notebooks + "/nb-000", READER, null, null).headers().firstValue("ETag").orElseThrow();
        assertThat(send("PUT", notebooks + "/nb-000", ADMIN, etag, "{\"spec\":{\"environment\":\"jax\"}}").statusCode()).isEqualTo(200);
        JsonNode recent = JSON.readTree(send("GET", notebooks + "?sort=-updated&limit=1", READER, null, null).body());
        assertThat(recent.path("items").findValuesAsText("name")).containsExactly("nb-000");
        JsonNode afterRecent = JSON.readTree(send("GET", notebooks + "?sort=-updated&limit=1&cursor=" + recent.path("nextCursor").asText(), READER, null, null).body());
        assertThat(afterRecent.path("items").findValuesAsText("name")).doesNotContain("nb-000").hasSize(1);

        for (String bad : new String[] {"?sort=size", "?color=red", "?cursor=" + recent.path("nextCursor").asText(), "?cursor=%25%25", "?limit=0"}) {
            HttpResponse<String> response = send("GET", notebooks + bad, READER, null, null);
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).path("message").asText()).as(bad).isNotBlank();
        }
    }

    @Test
    void healthAndReadiness() throws Exception {
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url("/healthz"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url("/readyz"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
