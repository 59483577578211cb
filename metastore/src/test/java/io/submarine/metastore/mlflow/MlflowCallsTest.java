package io.submarine.metastore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.metastore.ApiSuite;
import io.submarine.metastore.TestDatabase;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code mlflow-calls} report, as a pod's tracking endpoint forwards what it journaled: the
 * ids the pod made are the ids here, a report sent again applies nothing again, an experiment
 * name made elsewhere first is that experiment, and a refused call holds back none of the rest.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class MlflowCallsTest extends ApiSuite {

    /** The report's pod: each test its own, as the database is the suite's. */
    private static String pod(String name) {
        return "\"namespace\":\"team-a\",\"pod\":\"" + name + "\",\"podUid\":\"uid-" + name + "\",\"container\":\"main\",";
    }

    @Test
    void callsAreAppliedOnceWithThePodsIds() throws Exception {
        String runId = "0123456789abcdef0123456789abcdef";
        String calls = "[{\"call\":\"experiments/create\",\"body\":{\"experiment_id\":\"412345678901234567\",\"name\":\"from-a-pod\"}},"
                + "{\"call\":\"runs/create\",\"body\":{\"run_id\":\"" + runId + "\",\"experiment_id\":\"412345678901234567\",\"experiment_name\":\"from-a-pod\","
                + "\"run_name\":\"r1\",\"start_time\":1000,\"tags\":[{\"key\":\"mlflow.user\",\"value\":\"alice\"}]}},"
                + "{\"call\":\"runs/log-batch\",\"body\":{\"run_id\":\"" + runId + "\",\"metrics\":[{\"key\":\"loss\",\"value\":0.5,\"timestamp\":1,\"step\":0},"
                + "{\"key\":\"loss\",\"value\":0.25,\"timestamp\":2,\"step\":1}],\"params\":[{\"key\":\"lr\",\"value\":\"0.1\"}]}},"
                + "{\"call\":\"runs/log-parameter\",\"body\":{\"run_id\":\"" + runId + "\",\"key\":\"lr\",\"value\":\"0.2\"}},"
                + "{\"call\":\"runs/log-metric\",\"body\":{\"run_id\":\"" + runId + "\",\"key\":\"loss\",\"value\":0.125,\"timestamp\":3,\"step\":2}},"
                + "{\"call\":\"runs/update\",\"body\":{\"run_id\":\"" + runId + "\",\"status\":\"FINISHED\",\"end_time\":5000}}]";
        String report = "{" + pod("calls-once") + "\"payload\":{\"calls\":" + calls + "}}";
        HttpResponse<String> first = post("/api/v1/reports/mlflow-calls", REPORTER, "u-1/mlflow/1-6", report);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> again = post("/api/v1/reports/mlflow-calls", REPORTER, "u-1/mlflow/1-6", report);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asBoolean()).isTrue();

        JsonNode run = mlflow("GET", "/runs/get?run_id=" + runId, null).path("run");
        assertThat(run.path("info").path("experiment_id").asText()).isEqualTo("412345678901234567");
        assertThat(run.path("info").path("status").asText()).isEqualTo("FINISHED");
        assertThat(run.path("data").path("params").toString()).contains("\"0.1\"").doesNotContain("0.2");
        JsonNode history = mlflow("GET", "/metrics/get-history?run_id=" + runId + "&metric_key=loss", null).path("metrics");
        assertThat(history.findValuesAsText("value")).as("each point once, after the report came twice").containsExactly("0.5", "0.25", "0.125");

        // The refused call (a param logged again with another value) is in the report, with why; the calls after it were applied.
        JsonNode stored = JSON.readTree(get("/api/v1/reports/mlflow-calls?pod=calls-once", READER).body()).path("items");
        assertThat(stored).hasSize(1);
        JsonNode payload = stored.get(0).path("payload");
        assertThat(payload.path("calls").asInt()).isEqualTo(6);
        assertThat(payload.path("refused")).hasSize(1);
        assertThat(payload.path("refused").get(0).path("index").asInt()).isEqualTo(3);
        assertThat(payload.path("refused").get(0).path("message").asText()).contains("Changing param values is not allowed");
    }

    @Test
    void anExperimentNamedHereFirstIsThatExperiment() throws Exception {
        String existing = mlflow("POST", "/experiments/create", "{\"name\":\"shared-name\"}").path("experiment_id").asText();
        String runId = "fedcba9876543210fedcba9876543210";
        String calls = "[{\"call\":\"experiments/create\",\"body\":{\"experiment_id\":\"498765432109876543\",\"name\":\"shared-name\"}},"
                + "{\"call\":\"runs/create\",\"body\":{\"run_id\":\"" + runId + "\",\"experiment_id\":\"498765432109876543\",\"experiment_name\":\"shared-name\","
                + "\"start_time\":1000}}]";
        HttpResponse<String> stored = post("/api/v1/reports/mlflow-calls", REPORTER, "u-2/mlflow/1-2", "{" + pod("shared-name") + "\"payload\":{\"calls\":" + calls + "}}");
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        assertThat(mlflow("GET", "/runs/get?run_id=" + runId, null).path("run").path("info").path("experiment_id").asText()).isEqualTo(existing);
    }

    @Test
    void aMalformedReportIsRefusedWhole() throws Exception {
        HttpResponse<String> refused = post("/api/v1/reports/mlflow-calls", REPORTER, "u-3/mlflow/1-1",
                "{" + pod("malformed") + "\"payload\":{\"calls\":[{\"call\":\"runs/delete\",\"body\":{}}]}}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("message").asText()).contains("each call is");
        assertThat(post("/api/v1/reports/mlflow-calls", READER, "u-3/mlflow/1-1", "{" + pod("malformed") + "\"payload\":{\"calls\":[]}}").statusCode()).isEqualTo(403);
    }
}
