package io.submarine.metrics.tracking;

import static io.submarine.metrics.tracking.MlflowError.invalid;
import static io.submarine.metrics.tracking.MlflowError.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.submarine.mlflow.artifacts.ArtifactTree;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the task logged, as the endpoint answers it: experiments, runs with their params, tags,
 * latest metrics, histories and outputs, and MLflow 3's logged models. Built again at start from the journal. Not thread-safe: the
 * endpoint holds one lock around checking a call, journaling it and applying it.
 *
 * <p>{@link #prepare} checks a call against what is here, as MLflow's server would, and gives the
 * body to journal (and forward) with the ids the pod made; {@link #apply} applies a journaled one.
 * Calls named {@code local/...} are what the endpoint learned from the metastore (an experiment
 * made elsewhere): journaled so a restart knows them, never forwarded.
 */
final class TrackingState {

    static final String KNOWN_EXPERIMENT = "local/experiment";
    static final String KNOWN_RUN = "local/run";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final class Run {
        final ObjectNode info;
        final Map<String, String> params = new TreeMap<>();
        final Map<String, String> tags = new TreeMap<>();
        final Map<String, ObjectNode> latest = new TreeMap<>();
        final Map<String, List<ObjectNode>> history = new HashMap<>();
        /** The logged models the run output (runs/outputs), as {@code {model_id, step}}. */
        final List<ObjectNode> outputs = new ArrayList<>();
        /** Every point logged, to take a retried call's points once, as MLflow's server takes an identical point once. */
        final java.util.Set<PointKey> logged = new java.util.HashSet<>();

        Run(ObjectNode info) {
            this.info = info;
        }
    }

    private record PointKey(String key, long step, long timestamp, String value) {
        static PointKey of(JsonNode point) {
            return new PointKey(point.path("key").asText(), point.path("step").asLong(), point.path("timestamp").asLong(), point.path("value").asText());
        }
    }

    private final Map<String, ObjectNode> experiments = new HashMap<>();
    private final Map<String, String> experimentsByName = new HashMap<>();
    private final Map<String, Run> runs = new HashMap<>();
    /** Logged models made in the pod, in MLflow's shape ({@code {info, data}}). */
    private final Map<String, ObjectNode> models = new HashMap<>();

    TrackingState() {
        // MLflow's "Default" experiment, where runs go when the task names none; the metastore has it too.
        ObjectNode initial = JSON.createObjectNode().put("experiment_id", "0").put("name", "Default").put("artifact_location", ArtifactTree.experimentLocation("0"))
                .put("lifecycle_stage", "active").put("creation_time", 0).put("last_update_time", 0);
        learnExperiment(initial);
    }

    /** The experiment id the pod gives {@code name}: the same in every pod, 18 digits, as MLflow's own stores make them. */
    static String experimentIdFor(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits = (bits << 8) | (digest[i] & 0xff);
            }
            return Long.toString(100_000_000_000_000_000L + Math.floorMod(bits, 800_000_000_000_000_000L));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The call a checked one is journaled (and forwarded) as: a single metric, param or tag is a batch of one. */
    static String journaledAs(String call) {
        return switch (call) {
            case "runs/log-metric", "runs/log-parameter", "runs/set-tag" -> "runs/log-batch";
            default -> call;
        };
    }

    ObjectNode experimentByName(String name) {
        String id = experimentsByName.get(name);
        return id == null ? null : experiments.get(id);
    }

    ObjectNode experiment(String id) {
        return experiments.get(id);
    }

    boolean knowsRun(String runId) {
        return runs.containsKey(runId);
    }

    /**
     * Checks {@code request} for {@code call} against what is here; returns the body to journal,
     * with the ids the pod makes, or null when there is nothing to keep (the call is answered all the same).
     */
    ObjectNode prepare(String call, ObjectNode request, long now) {
        switch (call) {
            case "experiments/create" -> {
                String name = Fields.text(request, "name", true, 500);
                if (name.isEmpty()) {
                    throw invalid("experiment name must not be empty");
                }
                if (experimentsByName.containsKey(name)) {
                    throw new MlflowError(400, "RESOURCE_ALREADY_EXISTS", "Experiment '" + name + "' already exists.");
                }
                String id = experimentIdFor(name);
                String location = Fields.text(request, "artifact_location", false, 2000);
                ObjectNode body = JSON.createObjectNode().put("experiment_id", id).put("name", name)
                        .put("artifact_location", location == null || location.isEmpty() ? ArtifactTree.experimentLocation(id) : location);
                body.set("tags", array(Fields.keyValues(request, "tags", Fields.MAX_TAGS, 5000)));
                return body.put("creation_time", now);
            }
            case "experiments/set-experiment-tag" -> {
                ObjectNode experiment = activeExperiment(Fields.experimentId(Fields.required(request, "experiment_id"), "experiment_id"));
                ObjectNode body = Fields.keyValue(request, 5000);
                return body.put("experiment_id", experiment.path("experiment_id").asText()).put("experiment_name", experiment.path("name").asText());
            }
            case "runs/create" -> {
                // Required, as the metastore (held to MLflow's server) has it; MLflow's client always sends one.
                ObjectNode experiment = activeExperiment(Fields.experimentId(Fields.required(request, "experiment_id"), "experiment_id"));
                Fields.text(request, "user_id", false, 250);
                String runId = UUID.randomUUID().toString().replace("-", "");
                String name = Fields.text(request, "run_name", false, 250);
                ObjectNode body = JSON.createObjectNode().put("run_id", runId).put("experiment_id", experiment.path("experiment_id").asText())
                        .put("experiment_name", experiment.path("name").asText()).put("run_name", name == null || name.isEmpty() ? runId.substring(0, 8) : name)
                        .put("start_time", request.hasNonNull("start_time") ? Fields.number(request.get("start_time"), "start_time") : now);
                body.set("tags", array(Fields.keyValues(request, "tags", Fields.MAX_TAGS, 8000)));
                return body;
            }
            case "runs/update" -> {
                String runId = activeRun(Fields.runId(request)).info.path("run_id").asText();
                ObjectNode body = JSON.createObjectNode().put("run_id", runId);
                String status = Fields.text(request, "status", false, 20);
                if (status != null) {
                    if (!List.of("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED").contains(status)) {
                        throw invalid("status must be RUNNING, SCHEDULED, FINISHED, FAILED or KILLED");
                    }
                    body.put("status", status);
                }
                if (request.hasNonNull("end_time")) {
                    body.put("end_time", Fields.number(request.get("end_time"), "end_time"));
                }
                String name = Fields.text(request, "run_name", false, 250);
                if (name != null) {
                    body.put("run_name", name);
                }
                return body;
            }
            case "runs/log-metric" -> {
                return logBatch(request, List.of(Fields.metric(request)), List.of(), List.of());
            }
            case "runs/log-parameter" -> {
                return logBatch(request, List.of(), List.of(Fields.keyValue(request, 6000)), List.of());
            }
            case "runs/set-tag" -> {
                return logBatch(request, List.of(), List.of(), List.of(Fields.keyValue(request, 8000)));
            }
            case "runs/log-batch" -> {
                List<ObjectNode> metrics = Fields.list(request, "metrics", Fields.MAX_METRICS, Fields::metric);
                List<ObjectNode> params = Fields.keyValues(request, "params", Fields.MAX_PARAMS, 6000);
                List<ObjectNode> tags = Fields.keyValues(request, "tags", Fields.MAX_TAGS, 8000);
                if (metrics.size() + params.size() + tags.size() > Fields.MAX_ENTITIES) {
                    throw invalid("A batch logging request can contain at most " + Fields.MAX_ENTITIES + " metrics, params and tags in total");
                }
                return logBatch(request, metrics, params, tags);
            }
            case "runs/delete-tag" -> {
                Run run = activeRun(Fields.runId(request));
                String key = Fields.key(request);
                if (!run.tags.containsKey(key)) {
                    throw notFound("No tag with name: " + key + " in run with id " + run.info.path("run_id").asText());
                }
                return JSON.createObjectNode().put("run_id", run.info.path("run_id").asText()).put("key", key);
            }
            case "runs/outputs" -> {
                Run run = activeRun(Fields.runId(request));
                List<ObjectNode> outputs = Fields.list(request, "models", Fields.MAX_METRICS, model -> {
                    String modelId = Fields.text(model, "model_id", true, 64);
                    return JSON.createObjectNode().put("model_id", modelId).put("step", Fields.number(Fields.required(model, "step"), "step"));
                });
                if (outputs.isEmpty()) {
                    throw invalid("Missing value for required parameter 'models'");
                }
                ObjectNode body = JSON.createObjectNode().put("run_id", run.info.path("run_id").asText());
                body.set("models", array(outputs));
                return body;
            }
            case "logged-models/create" -> {
                ObjectNode experiment = activeExperiment(Fields.experimentId(Fields.required(request, "experiment_id"), "experiment_id"));
                String modelId = "m-" + UUID.randomUUID().toString().replace("-", "");
                String name = Fields.text(request, "name", false, 500);
                ObjectNode body = JSON.createObjectNode().put("model_id", modelId).put("experiment_id", experiment.path("experiment_id").asText())
                        .put("experiment_name", experiment.path("name").asText())
                        .put("name", name == null || name.isEmpty() ? "model-" + modelId.substring(modelId.length() - 8) : name).put("time", now);
                String type = Fields.text(request, "model_type", false, 500);
                if (type != null && !type.isEmpty()) {
                    body.put("model_type", type);
                }
                String sourceRun = Fields.text(request, "source_run_id", false, 32);
                if (sourceRun != null && !sourceRun.isEmpty()) {
                    body.put("source_run_id", sourceRun);
                }
                body.set("params", array(Fields.keyValues(request, "params", Fields.MAX_PARAMS, 6000)));
                body.set("tags", array(Fields.keyValues(request, "tags", Fields.MAX_TAGS, 8000)));
                return body;
            }
            case "logged-models/finalize" -> {
                String modelId = model(Fields.text(request, "model_id", true, 64)).path("info").path("model_id").asText();
                String status = Fields.text(request, "status", true, 40);
                if (!List.of("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED").contains(status)) {
                    throw invalid("status must be LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED, not '" + status + "'");
                }
                return JSON.createObjectNode().put("model_id", modelId).put("status", status).put("time", now);
            }
            case "logged-models/set-tags", "logged-models/log-params" -> {
                String modelId = model(Fields.text(request, "model_id", true, 64)).path("info").path("model_id").asText();
                boolean tags = call.endsWith("set-tags");
                ObjectNode body = JSON.createObjectNode().put("model_id", modelId).put("time", now);
                body.set(tags ? "tags" : "params", array(tags ? Fields.keyValues(request, "tags", Fields.MAX_TAGS, 8000)
                        : Fields.keyValues(request, "params", Fields.MAX_PARAMS, 6000)));
                return body;
            }
            case "logged-models/delete-tag" -> {
                String modelId = model(Fields.text(request, "model_id", true, 64)).path("info").path("model_id").asText();
                return JSON.createObjectNode().put("model_id", modelId).put("key", Fields.key(request)).put("time", now);
            }
            case "runs/log-inputs" -> {
                // Datasets are not kept (nor by the metastore): checked and answered, nothing to forward.
                activeRun(Fields.runId(request));
                return null;
            }
            default -> throw new MlflowError(404, "ENDPOINT_NOT_FOUND", "no call " + call);
        }
    }

    private ObjectNode logBatch(ObjectNode request, List<ObjectNode> metrics, List<ObjectNode> params, List<ObjectNode> tags) {
        Run run = activeRun(Fields.runId(request));
        String runId = run.info.path("run_id").asText();
        Map<String, String> batch = new HashMap<>();
        for (ObjectNode param : params) {
            String key = param.path("key").asText();
            String value = param.path("value").asText();
            String logged = run.params.containsKey(key) ? run.params.get(key) : batch.get(key);
            if (logged != null && !logged.equals(value)) {
                throw invalid("Changing param values is not allowed. Param with key='" + key + "' was already logged with value='" + logged
                        + "' for run ID='" + runId + "'. Attempted logging new value '" + value + "'.");
            }
            batch.put(key, value);
        }
        // A point already logged (the client retrying a call whose answer it lost) is taken once.
        java.util.Set<PointKey> inBatch = new java.util.HashSet<>();
        List<ObjectNode> fresh = metrics.stream().filter(point -> {
            PointKey key = PointKey.of(point);
            return !run.logged.contains(key) && inBatch.add(key);
        }).toList();
        if (fresh.isEmpty() && params.stream().allMatch(p -> run.params.containsKey(p.path("key").asText())) && tags.isEmpty()) {
            return null;
        }
        ObjectNode body = JSON.createObjectNode().put("run_id", runId);
        body.set("metrics", array(fresh));
        body.set("params", array(params));
        body.set("tags", array(tags));
        return body;
    }

    /** Applies a journaled call (checked by {@link #prepare} when it was accepted), named as {@link #journaledAs} names it. */
    void apply(String call, ObjectNode body) {
        switch (call) {
            case "experiments/create" -> {
                String id = body.path("experiment_id").asText();
                String location = body.path("artifact_location").asText("");
                ObjectNode experiment = JSON.createObjectNode().put("experiment_id", id).put("name", body.path("name").asText())
                        .put("artifact_location", location.isEmpty() ? ArtifactTree.experimentLocation(id) : location).put("lifecycle_stage", "active")
                        .put("creation_time", body.path("creation_time").asLong()).put("last_update_time", body.path("creation_time").asLong());
                experiment.set("tags", body.path("tags").deepCopy());
                learnExperiment(experiment);
            }
            case KNOWN_EXPERIMENT -> learnExperiment(body.deepCopy());
            case "experiments/set-experiment-tag" -> {
                ObjectNode experiment = experiments.get(body.path("experiment_id").asText());
                ArrayNode tags = experiment.withArray("tags");
                for (int i = tags.size() - 1; i >= 0; i--) {
                    if (tags.get(i).path("key").asText().equals(body.path("key").asText())) {
                        tags.remove(i);
                    }
                }
                tags.add(JSON.createObjectNode().put("key", body.path("key").asText()).put("value", body.path("value").asText()));
            }
            case "runs/create" -> {
                String runId = body.path("run_id").asText();
                ObjectNode experiment = experiments.get(body.path("experiment_id").asText());
                String location = experiment == null ? "" : experiment.path("artifact_location").asText("");
                Run run = new Run(JSON.createObjectNode().put("run_id", runId).put("run_uuid", runId).put("experiment_id", body.path("experiment_id").asText())
                        .put("run_name", body.path("run_name").asText()).put("status", "RUNNING").put("start_time", body.path("start_time").asLong())
                        .put("lifecycle_stage", "active").put("artifact_uri", location.isEmpty() ? "" : location + "/" + runId + "/artifacts"));
                body.path("tags").forEach(tag -> run.tags.put(tag.path("key").asText(), tag.path("value").asText()));
                runs.put(runId, run);
            }
            case KNOWN_RUN -> learnRun(body);
            case "runs/update" -> {
                ObjectNode info = runs.get(body.path("run_id").asText()).info;
                for (String field : List.of("status", "end_time", "run_name")) {
                    if (body.has(field)) {
                        info.set(field, body.get(field));
                    }
                }
            }
            case "runs/log-batch" -> {
                Run run = runs.get(body.path("run_id").asText());
                body.path("params").forEach(p -> run.params.putIfAbsent(p.path("key").asText(), p.path("value").asText()));
                body.path("tags").forEach(t -> run.tags.put(t.path("key").asText(), t.path("value").asText()));
                for (JsonNode point : body.path("metrics")) {
                    ObjectNode kept = ((ObjectNode) point).deepCopy();
                    String key = kept.path("key").asText();
                    run.history.computeIfAbsent(key, k -> new ArrayList<>()).add(kept);
                    run.logged.add(PointKey.of(kept));
                    ObjectNode latest = run.latest.get(key);
                    // MLflow's latest value: the greatest step, then the latest timestamp, then the greatest value.
                    if (latest == null || compare(kept, latest) >= 0) {
                        run.latest.put(key, kept);
                    }
                }
            }
            case "runs/delete-tag" -> runs.get(body.path("run_id").asText()).tags.remove(body.path("key").asText());
            case "runs/outputs" -> {
                Run run = runs.get(body.path("run_id").asText());
                body.path("models").forEach(output -> {
                    if (!run.outputs.contains(output)) {
                        run.outputs.add(((ObjectNode) output).deepCopy());
                    }
                });
            }
            case "logged-models/create" -> {
                String modelId = body.path("model_id").asText();
                ObjectNode experiment = experiments.get(body.path("experiment_id").asText());
                String location = experiment == null ? ArtifactTree.experimentLocation(body.path("experiment_id").asText())
                        : experiment.path("artifact_location").asText();
                ObjectNode model = JSON.createObjectNode();
                ObjectNode info = model.putObject("info").put("model_id", modelId).put("experiment_id", body.path("experiment_id").asText())
                        .put("name", body.path("name").asText()).put("creation_timestamp_ms", body.path("time").asLong())
                        .put("last_updated_timestamp_ms", body.path("time").asLong()).put("artifact_uri", location + "/models/" + modelId + "/artifacts")
                        .put("status", "LOGGED_MODEL_PENDING");
                for (String field : List.of("model_type", "source_run_id")) {
                    if (body.has(field)) {
                        info.put(field, body.path(field).asText());
                    }
                }
                info.set("tags", body.path("tags").deepCopy());
                model.putObject("data").set("params", body.path("params").deepCopy());
                models.put(modelId, model);
            }
            case "logged-models/finalize" -> modelInfo(body).put("status", body.path("status").asText());
            case "logged-models/set-tags" -> body.path("tags").forEach(tag -> putKeyValue(modelInfo(body).withArray("tags"), tag));
            case "logged-models/log-params" -> {
                modelInfo(body);
                body.path("params").forEach(param -> putKeyValue(((ObjectNode) models.get(body.path("model_id").asText()).path("data")).withArray("params"), param));
            }
            case "logged-models/delete-tag" -> {
                ArrayNode tags = modelInfo(body).withArray("tags");
                for (int i = tags.size() - 1; i >= 0; i--) {
                    if (tags.get(i).path("key").asText().equals(body.path("key").asText())) {
                        tags.remove(i);
                    }
                }
            }
            default -> throw new IllegalStateException("a journaled call this program does not know: " + call);
        }
    }

    /** The info of the model a journaled call names, its last update made the call's time. */
    private ObjectNode modelInfo(ObjectNode body) {
        ObjectNode info = (ObjectNode) models.get(body.path("model_id").asText()).path("info");
        return info.put("last_updated_timestamp_ms", body.path("time").asLong());
    }

    private static void putKeyValue(ArrayNode items, JsonNode item) {
        for (int i = items.size() - 1; i >= 0; i--) {
            if (items.get(i).path("key").asText().equals(item.path("key").asText())) {
                items.remove(i);
            }
        }
        items.add(item.deepCopy());
    }

    /** A logged model made in the pod, in MLflow's shape; 404 as MLflow's server says it. */
    ObjectNode model(String modelId) {
        ObjectNode model = models.get(modelId);
        if (model == null) {
            throw notFound("Logged model with ID '" + modelId + "' not found.");
        }
        return model.deepCopy();
    }

    /** Every logged model made in the pod, as they are (the caller copies what it keeps). */
    java.util.Collection<ObjectNode> models() {
        return models.values();
    }

    boolean knowsModel(String modelId) {
        return models.containsKey(modelId);
    }

    private static int compare(ObjectNode a, ObjectNode b) {
        int byStep = Long.compare(a.path("step").asLong(), b.path("step").asLong());
        if (byStep != 0) {
            return byStep;
        }
        int byTime = Long.compare(a.path("timestamp").asLong(), b.path("timestamp").asLong());
        return byTime != 0 ? byTime : Double.compare(value(a), value(b));
    }

    private static double value(ObjectNode point) {
        JsonNode value = point.path("value");
        return value.isNumber() ? value.asDouble() : Double.parseDouble(value.asText());
    }

    private void learnExperiment(ObjectNode experiment) {
        experiments.put(experiment.path("experiment_id").asText(), experiment);
        experimentsByName.put(experiment.path("name").asText(), experiment.path("experiment_id").asText());
    }

    /** A run made elsewhere, as the metastore answered it: its info, params and tags, and its latest metrics. */
    private void learnRun(ObjectNode answered) {
        Run run = new Run(((ObjectNode) answered.path("info")).deepCopy());
        answered.path("data").path("params").forEach(p -> run.params.put(p.path("key").asText(), p.path("value").asText()));
        answered.path("data").path("tags").forEach(t -> run.tags.put(t.path("key").asText(), t.path("value").asText()));
        answered.path("data").path("metrics").forEach(m -> run.latest.put(m.path("key").asText(), ((ObjectNode) m).deepCopy()));
        runs.put(run.info.path("run_id").asText(), run);
    }

    private ObjectNode activeExperiment(String id) {
        ObjectNode experiment = experiments.get(id);
        if (experiment == null) {
            throw notFound("Could not find experiment with experiment_id=" + id);
        }
        if (!experiment.path("lifecycle_stage").asText().equals("active")) {
            throw invalid("The experiment " + id + " must be in the 'active' state. Current state is " + experiment.path("lifecycle_stage").asText() + ".");
        }
        return experiment;
    }

    private Run activeRun(String runId) {
        Run run = runs.get(runId);
        if (run == null) {
            throw notFound("Run '" + runId + "' not found");
        }
        if (!run.info.path("lifecycle_stage").asText().equals("active")) {
            throw invalid("The run " + runId + " must be in the 'active' state. Current state is " + run.info.path("lifecycle_stage").asText() + ".");
        }
        return run;
    }

    /** The run in MLflow's shape; empty lists are left out, as proto3 JSON (and MLflow's server) leaves them out. */
    ObjectNode run(String runId) {
        Run run = runs.get(runId);
        if (run == null) {
            throw notFound("Run '" + runId + "' not found");
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("info", run.info.deepCopy());
        ObjectNode data = answer.putObject("data");
        if (!run.latest.isEmpty()) {
            data.set("metrics", array(new ArrayList<>(run.latest.values())));
        }
        if (!run.params.isEmpty()) {
            data.set("params", keyValues(run.params));
        }
        if (!run.tags.isEmpty()) {
            data.set("tags", keyValues(run.tags));
        }
        if (!run.outputs.isEmpty()) {
            answer.putObject("outputs").set("model_outputs", array(run.outputs));
        }
        return answer;
    }

    /** The run's points of {@code key}, in the order logged; empty for a run or key never seen. */
    List<ObjectNode> history(String runId, String key) {
        Run run = runs.get(runId);
        return run == null ? List.of() : run.history.getOrDefault(key, List.of());
    }

    private static ArrayNode keyValues(Map<String, String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach((key, value) -> array.add(JSON.createObjectNode().put("key", key).put("value", value)));
        return array;
    }

    private static ArrayNode array(List<ObjectNode> items) {
        ArrayNode array = JSON.createArrayNode();
        items.forEach(array::add);
        return array;
    }
}
