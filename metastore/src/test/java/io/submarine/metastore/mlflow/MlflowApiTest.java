package io.submarine.metastore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.metastore.ApiSuite;
import io.submarine.metastore.TestDatabase;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** MLflow's tracking API as its clients use it: shapes, searches, lifecycle, limits, types, concurrent writes. On each {@link TestDatabase}. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class MlflowApiTest extends ApiSuite {

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
    void theLatestValueIsMlflowsNotTheLastToArrive() throws Exception {
        String experimentId = mlflow("POST", "/experiments/create", "{\"name\":\"out-of-order\"}").path("experiment_id").asText();
        String runId = mlflow("POST", "/runs/create", "{\"experiment_id\":\"" + experimentId + "\",\"start_time\":1}").path("run").path("info").path("run_id").asText();
        // As an asynchronous client sends them: the later steps first.
        mlflow("POST", "/runs/log-batch", "{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"loss\",\"value\":0.5,\"timestamp\":10,\"step\":5},"
                + "{\"key\":\"acc\",\"value\":0.7,\"timestamp\":30,\"step\":2}]}");
        mlflow("POST", "/runs/log-batch", "{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"loss\",\"value\":0.9,\"timestamp\":20,\"step\":3},"
                + "{\"key\":\"acc\",\"value\":0.6,\"timestamp\":20,\"step\":2}]}");
        JsonNode metrics = mlflow("GET", "/runs/get?run_id=" + runId, null).path("run").path("data").path("metrics");
        assertThat(metrics.toString()).as("loss: the greatest step; acc: at one step, the latest timestamp")
                .isEqualTo("[{\"key\":\"acc\",\"value\":0.7,\"timestamp\":30,\"step\":2},{\"key\":\"loss\",\"value\":0.5,\"timestamp\":10,\"step\":5}]");
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
        assertThat(toDeleted.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(toDeleted.body()).path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(JSON.readTree(toDeleted.body()).path("message").asText()).contains("must be in the 'active' state");
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
        try (java.sql.Connection other = database.database().dataSource().getConnection()) {
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

    private HttpResponse<String> sendQuietly(String path, String body) {
        try {
            return post(path, REPORTER, null, body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
}
