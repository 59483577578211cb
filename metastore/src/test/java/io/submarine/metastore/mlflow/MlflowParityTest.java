package io.submarine.metastore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.MetastoreServer;
import io.submarine.metastore.TestDatabase;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same calls, one after another, to MLflow's own server (`mlflow server` from PyPI, on
 * SQLite) and to the metastore: every status, every error code and the fields of every answer
 * are MLflow's, including a missing run, bad parameters, a param logged again with another
 * value, and a deleted experiment and run. The differences the README names are held here too,
 * so that one that goes away, or a new one, is seen.
 */
class MlflowParityTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MISSING_RUN = "0".repeat(32);
    /** Where the metastore answers otherwise, on purpose (see the README's MLflow section). */
    private static final Map<String, String> DIFFERENCES = Map.of(
            "run update with an unknown status", "refused with 400 INVALID_PARAMETER_VALUE; MLflow's server answers 200 and drops it",
            "an endpoint no server has", "a JSON ENDPOINT_NOT_FOUND; MLflow's server answers an HTML 404",
            "artifact download of a directory", "400 INVALID_PARAMETER_VALUE; MLflow's server answers 400 with FastAPI's {detail} and no error code");

    @TempDir
    Path dir;

    /** One call's outcome: its status, its error code, and the fields of its answer. */
    private record Outcome(int status, String errorCode, List<String> fields) {}

    @Test
    void theMetastoreAnswersEveryCallAsMlflowsOwnServerDoes() throws Exception {
        int port = Fixtures.freePort();
        Path mlflow = Fixtures.userTool("mlflow");
        try (ExternalServer reference = new ExternalServer("mlflow server", List.of(mlflow.toString(), "server", "--backend-store-uri",
                "sqlite:///" + dir.resolve("mlflow.db"), "--artifacts-destination", dir.resolve("artifacts").toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--workers", "1"), Map.of(), port, dir.resolve("mlflow-server.log"), Duration.ofSeconds(120))) {
            reference.start();
            MetastoreServer metastore = TestDatabase.H2.server();
            String name = "parity-" + System.nanoTime();
            Map<String, Outcome> theirs = script("http://127.0.0.1:" + port, null, name);
            Map<String, Outcome> ours = script("http://127.0.0.1:" + metastore.port(), TestDatabase.ADMIN, name);
            assertThat(ours.keySet()).isEqualTo(theirs.keySet());
            List<String> differing = new ArrayList<>();
            theirs.forEach((call, outcome) -> {
                if (!outcome.equals(ours.get(call))) {
                    differing.add(call);
                }
            });
            for (String call : theirs.keySet()) {
                if (!DIFFERENCES.containsKey(call)) {
                    assertThat(ours.get(call)).as("%s: the metastore against MLflow's server", call).isEqualTo(theirs.get(call));
                }
            }
            assertThat(differing).as("the calls answered otherwise, on purpose").containsExactlyInAnyOrderElementsOf(DIFFERENCES.keySet());
        }
    }

    /** What a training script and its mistakes send, in order, against {@code base}; each call's outcome by name. */
    private static Map<String, Outcome> script(String base, String token, String name) throws Exception {
        Map<String, Outcome> outcomes = new TreeMap<>();
        Caller call = new Caller(base, token, outcomes);
        String experiment = call.post("experiment create", "experiments/create", "{\"name\":\"" + name + "\"}").path("experiment_id").asText();
        call.post("experiment create again", "experiments/create", "{\"name\":\"" + name + "\"}");
        call.post("experiment create without a name", "experiments/create", "{}");
        call.get("experiment get", "experiments/get?experiment_id=" + experiment);
        call.get("experiment get missing", "experiments/get?experiment_id=999999");
        call.get("experiment get by a bad id", "experiments/get?experiment_id=abc");
        call.get("experiment get by a missing name", "experiments/get-by-name?experiment_name=" + name + "-missing");
        String run = call.post("run create", "runs/create", "{\"experiment_id\":\"" + experiment + "\",\"start_time\":1,\"run_name\":\"r1\"}")
                .path("run").path("info").path("run_id").asText();
        call.post("run create in a missing experiment", "runs/create", "{\"experiment_id\":\"999999\"}");
        call.get("run get", "runs/get?run_id=" + run);
        call.get("run get missing", "runs/get?run_id=" + MISSING_RUN);
        call.post("log metric", "runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"loss\",\"value\":0.5,\"timestamp\":1,\"step\":0}");
        call.post("log metric again, the same point", "runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"loss\",\"value\":0.5,\"timestamp\":1,\"step\":0}");
        call.post("log batch with a point twice and one logged before", "runs/log-batch", "{\"run_id\":\"" + run + "\",\"metrics\":["
                + "{\"key\":\"loss\",\"value\":0.5,\"timestamp\":1,\"step\":0},{\"key\":\"loss\",\"value\":0.4,\"timestamp\":2,\"step\":1},"
                + "{\"key\":\"loss\",\"value\":0.4,\"timestamp\":2,\"step\":1}]}");
        call.fields("the history after points sent again", call.get("metric history after points sent again", "metrics/get-history?run_id=" + run
                + "&metric_key=loss"));
        call.post("log metric without a value", "runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"loss\",\"timestamp\":1}");
        call.post("log metric with a text value", "runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"loss\",\"value\":\"x\",\"timestamp\":1}");
        call.post("log metric to a missing run", "runs/log-metric", "{\"run_id\":\"" + MISSING_RUN + "\",\"key\":\"loss\",\"value\":1,\"timestamp\":1}");
        call.post("log param", "runs/log-parameter", "{\"run_id\":\"" + run + "\",\"key\":\"lr\",\"value\":\"0.1\"}");
        call.post("log param again, same value", "runs/log-parameter", "{\"run_id\":\"" + run + "\",\"key\":\"lr\",\"value\":\"0.1\"}");
        call.post("log param again, another value", "runs/log-parameter", "{\"run_id\":\"" + run + "\",\"key\":\"lr\",\"value\":\"0.2\"}");
        call.post("set tag", "runs/set-tag", "{\"run_id\":\"" + run + "\",\"key\":\"t\",\"value\":\"v\"}");
        call.post("delete tag", "runs/delete-tag", "{\"run_id\":\"" + run + "\",\"key\":\"t\"}");
        call.post("delete a missing tag", "runs/delete-tag", "{\"run_id\":\"" + run + "\",\"key\":\"nope\"}");
        call.post("log batch", "runs/log-batch", "{\"run_id\":\"" + run + "\",\"metrics\":[{\"key\":\"m\",\"value\":1,\"timestamp\":1,\"step\":1}],"
                + "\"params\":[{\"key\":\"p\",\"value\":\"1\"}],\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]}");
        call.post("log batch, a param again with another value", "runs/log-batch", "{\"run_id\":\"" + run + "\",\"params\":[{\"key\":\"p\",\"value\":\"2\"}]}");
        call.get("metric history", "metrics/get-history?run_id=" + run + "&metric_key=loss");
        call.get("metric history of a key never logged", "metrics/get-history?run_id=" + run + "&metric_key=never");
        call.get("metric history of a missing run", "metrics/get-history?run_id=" + MISSING_RUN + "&metric_key=loss");
        call.post("search", "runs/search", "{\"experiment_ids\":[\"" + experiment + "\"],\"filter\":\"metrics.loss < 1\"}");
        call.post("search with a bad filter", "runs/search", "{\"experiment_ids\":[\"" + experiment + "\"],\"filter\":\"metrics.loss <<< 1\"}");
        String artifacts = experiment + "/" + run + "/artifacts";
        call.artifact("artifact upload", "PUT", artifacts + "/model/weights.bin", "0123456789");
        call.artifact("artifact upload, a name with a space", "PUT", artifacts + "/loss%20curve.txt", "curve");
        call.artifact("artifact upload again, replaced", "PUT", artifacts + "/model/weights.bin", "9876543210!");
        call.artifact("artifact upload to a path with ..", "PUT", artifacts + "/a/%2E%2E/%2E%2E/escape.txt", "x");
        call.artifact("artifact download", "GET", artifacts + "/model/weights.bin", null);
        call.artifact("artifact download of a missing file", "GET", artifacts + "/missing.txt", null);
        call.artifact("artifact download of a directory", "GET", artifacts + "/model", null);
        call.list("artifact list of the run", artifacts);
        call.list("artifact list of a directory", artifacts + "/model");
        call.list("artifact list of a missing directory", artifacts + "/nothing-here");
        call.list("artifact list of a path with ..", artifacts + "/../..");
        call.artifact("artifact delete", "DELETE", artifacts + "/loss%20curve.txt", null);
        call.list("artifact list after the delete", artifacts);
        JsonNode model = call.post("logged model create", "logged-models", "{\"experiment_id\":\"" + experiment + "\",\"name\":\"m1\",\"source_run_id\":\""
                + run + "\",\"model_type\":\"t\",\"params\":[{\"key\":\"a\",\"value\":\"1\"}],\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]}");
        String modelId = model.path("model").path("info").path("model_id").asText();
        call.models("logged model create, the model's fields", model);
        call.post("logged model create in a missing experiment", "logged-models", "{\"experiment_id\":\"999999\"}");
        call.post("logged model create without an experiment", "logged-models", "{}");
        call.models("logged model get", call.get("logged model get", "logged-models/" + modelId));
        call.get("logged model get missing", "logged-models/m-" + "0".repeat(32));
        call.models("logged model search by name", call.post("logged model search by name", "logged-models/search", "{\"experiment_ids\":[\"" + experiment
                + "\"],\"filter\":\"name = 'm1'\"}"));
        call.models("logged model search by another name", call.post("logged model search by another name", "logged-models/search",
                "{\"experiment_ids\":[\"" + experiment + "\"],\"filter\":\"name = 'other'\"}"));
        call.post("logged model search with a bad filter", "logged-models/search", "{\"experiment_ids\":[\"" + experiment + "\"],\"filter\":\"bogus filter\"}");
        call.post("logged model search without experiments", "logged-models/search", "{}");
        call.models("logged model finalize", call.send("logged model finalize", "PATCH", "logged-models/" + modelId, "{\"model_id\":\"" + modelId
                + "\",\"status\":\"LOGGED_MODEL_READY\"}"));
        call.send("logged model tags set", "PATCH", "logged-models/" + modelId + "/tags", "{\"tags\":[{\"key\":\"x\",\"value\":\"y\"}]}");
        call.send("logged model tag deleted", "DELETE", "logged-models/" + modelId + "/tags/x", null);
        call.post("run outputs", "runs/outputs", "{\"run_id\":\"" + run + "\",\"models\":[{\"model_id\":\"" + modelId + "\",\"step\":0}]}");
        call.post("run outputs without models", "runs/outputs", "{\"run_id\":\"" + run + "\"}");
        JsonNode withOutputs = call.get("run get, with outputs", "runs/get?run_id=" + run);
        call.fields("run get, its outputs", withOutputs.path("run").path("outputs"));
        call.send("logged model delete", "DELETE", "logged-models/" + modelId, null);
        call.get("logged model get, deleted", "logged-models/" + modelId);
        call.post("run update", "runs/update", "{\"run_id\":\"" + run + "\",\"status\":\"FINISHED\",\"end_time\":2}");
        call.post("run update with an unknown status", "runs/update", "{\"run_id\":\"" + run + "\",\"status\":\"NOPE\"}");
        call.post("experiment delete", "experiments/delete", "{\"experiment_id\":\"" + experiment + "\"}");
        call.post("run create in a deleted experiment", "runs/create", "{\"experiment_id\":\"" + experiment + "\"}");
        call.post("log metric to a run of a deleted experiment", "runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"x\",\"value\":1,\"timestamp\":1}");
        call.get("experiment get, deleted", "experiments/get?experiment_id=" + experiment);
        call.post("experiment restore", "experiments/restore", "{\"experiment_id\":\"" + experiment + "\"}");
        call.post("run delete", "runs/delete", "{\"run_id\":\"" + run + "\"}");
        call.post("log metric to a deleted run", "runs/log-metric", "{\"run_id\":\"" + run + "\",\"key\":\"x\",\"value\":1,\"timestamp\":1}");
        call.post("an endpoint no server has", "no/such-endpoint", "{}");
        return outcomes;
    }

    /** Sends the calls and keeps their outcomes; the answer's body for the next call's ids. */
    private record Caller(String base, String token, Map<String, Outcome> outcomes) {
        JsonNode get(String name, String path) throws Exception {
            return send(name, HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + path)).GET());
        }

        JsonNode post(String name, String path, String body) throws Exception {
            return send(name, HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        JsonNode send(String name, String method, String path, String body) throws Exception {
            return send(name, HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + path)).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
        }

        /** The fields of a logged model answer ({model} or {models}), each model's info and data, as an outcome of their own. */
        void models(String name, JsonNode answer) {
            List<String> fields = new ArrayList<>();
            List<JsonNode> models = new ArrayList<>();
            if (answer.has("model")) {
                models.add(answer.path("model"));
            }
            answer.path("models").forEach(models::add);
            for (JsonNode model : models) {
                List<String> info = new ArrayList<>();
                model.path("info").fieldNames().forEachRemaining(info::add);
                info.sort(null);
                List<String> data = new ArrayList<>();
                model.path("data").fieldNames().forEachRemaining(data::add);
                data.sort(null);
                fields.add("info " + info + " data " + data + " status " + model.path("info").path("status").asText() + " tags "
                        + model.path("info").path("tags").size() + " params " + model.path("data").path("params").size());
            }
            outcomes.put(name + ": models", new Outcome(200, "", fields));
        }

        /** The fields of a part of an answer, as an outcome of their own. */
        void fields(String name, JsonNode part) {
            List<String> fields = new ArrayList<>();
            part.fieldNames().forEachRemaining(fields::add);
            fields.sort(null);
            fields.add(part.toString().replaceAll("m-[0-9a-f]{32}", "m-<id>"));
            outcomes.put(name, new Outcome(200, "", fields));
        }

        /** An artifact call; a download's outcome holds its bytes in place of fields, so a wrong byte shows. */
        void artifact(String name, String method, String path, String body) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow-artifacts/artifacts/" + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (method.equals("GET")) {
                if (token != null) {
                    request.header("Authorization", "Bearer " + token);
                }
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                String code = response.statusCode() == 200 ? "" : errorCode(response.body());
                outcomes.put(name, new Outcome(response.statusCode(), code, response.statusCode() == 200 ? List.of(response.body()) : List.of()));
                return;
            }
            send(name, request);
        }

        /** A listing; its outcome holds each entry (name, kind, size), so a listing's content is compared too. */
        void list(String name, String path) throws Exception {
            JsonNode body = send(name, HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow-artifacts/artifacts?path="
                    + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8))).GET());
            List<String> entries = new ArrayList<>();
            body.path("files").forEach(file -> entries.add(file.toString()));
            Outcome outcome = outcomes.get(name);
            List<String> fields = new ArrayList<>(outcome.fields());
            fields.addAll(entries);
            outcomes.put(name, new Outcome(outcome.status(), outcome.errorCode(), fields));
        }

        private static String errorCode(String body) {
            try {
                return JSON.readTree(body).path("error_code").asText("");
            } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
                return "not JSON";
            }
        }

        private JsonNode send(String name, HttpRequest.Builder request) throws Exception {
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body;
            try {
                body = JSON.readTree(response.body());
            } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
                body = JSON.createObjectNode().put("not JSON", true);
            }
            List<String> fields = new ArrayList<>();
            if (response.statusCode() == 200) {
                body.fieldNames().forEachRemaining(fields::add);
                fields.sort(null);
            }
            outcomes.put(name, new Outcome(response.statusCode(), body.path("error_code").asText(""), fields));
            return body;
        }
    }
}
