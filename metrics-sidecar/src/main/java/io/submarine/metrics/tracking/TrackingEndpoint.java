package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.submarine.logsegment.StateFile;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.MetastoreEndpoint;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.mlflow.artifacts.ArtifactTree;
import io.submarine.mlflow.artifacts.ModelVersions;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLflow's tracking REST API for the task, on the pod's loopback ({@code MLFLOW_TRACKING_URI=
 * http://127.0.0.1:<port>}). A call is answered once it is in the journal on the pod's volume;
 * the journal goes to the metastore in order behind it, so the task never waits on the metastore
 * and nothing it was told is logged is lost when the pod's containers restart.
 *
 * <p>Reads come from what the pod logged; an experiment or run made elsewhere is asked of the
 * metastore (and remembered); searches are the metastore's. When more than {@code journalLimit}
 * bytes wait for the metastore, calls are answered 503 as an overloaded MLflow server answers,
 * and the client's retries wait.
 */
public final class TrackingEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrackingEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/api/2.0/mlflow/";
    private static final Duration DURABLE_WAIT = Duration.ofSeconds(30);
    private static final long MAX_BODY_BYTES = 64L << 20;
    /** How often the journal goes to storage: in pieces of what came since, not an object per call. */
    private static final int SHIP_PAUSE_SECONDS = 10;
    /** The calls served, each with its method, as MLflow's server takes them. */
    private static final Map<String, String> SERVED = Map.ofEntries(Map.entry("experiments/get-by-name", "GET"), Map.entry("experiments/get", "GET"),
            Map.entry("runs/get", "GET"), Map.entry("metrics/get-history", "GET"), Map.entry("experiments/create", "POST"),
            Map.entry("experiments/search", "POST"), Map.entry("experiments/set-experiment-tag", "POST"), Map.entry("runs/create", "POST"),
            Map.entry("runs/update", "POST"), Map.entry("runs/search", "POST"), Map.entry("runs/log-metric", "POST"), Map.entry("runs/log-parameter", "POST"),
            Map.entry("runs/set-tag", "POST"), Map.entry("runs/delete-tag", "POST"), Map.entry("runs/log-batch", "POST"), Map.entry("runs/log-inputs", "POST"),
            Map.entry("runs/outputs", "POST"), Map.entry("logged-models", "POST"), Map.entry("logged-models/search", "POST"));
    private static final String MODELS = "logged-models/";
    /** The filter the client sends to find a run's model: name = '<name>'. */
    private static final java.util.regex.Pattern BY_NAME = java.util.regex.Pattern.compile("\\s*name\\s*=\\s*'([^']*)'\\s*");

    /**
     * Where the endpoint listens and keeps its journal, how much may wait for the metastore, and in
     * {@code store}: the artifact tree runs' artifacts go to (the metastore's
     * {@code --artifacts-destination}), the models root a logged model is committed under as a model
     * version when it is finalized READY, and the pod's {@code tracking/} directory the journal is
     * shipped to.
     */
    public record Settings(String address, int port, Path journalDir, long journalLimit, Duration metastoreTimeout, BlobStore store, Location artifacts,
            Location models, Location tracking) {}

    /** Guarded by this endpoint's lock, with the journal's order. */
    private final TrackingState current;
    private final Journal journal;
    /** The journal to the metastore (null without one) and to storage. */
    private final JournalFollower forwarder;
    private final JournalFollower shipper;
    private final MetastoreReads metastore;
    private final long journalLimit;
    private final Clock clock;
    private final OneWriteHttpServer server;
    private final Counter calls;
    private final ArtifactCalls artifacts;
    private final ArtifactTree artifactTree;
    private final ModelVersions modelVersions;

    private TrackingEndpoint(Settings settings, TrackingState replayed, Journal journal, JournalFollower forwarder, JournalFollower shipper,
            MetastoreReads metastore, Clock clock, PrometheusRegistry registry) throws IOException {
        this.current = replayed;
        this.journal = journal;
        this.forwarder = forwarder;
        this.shipper = shipper;
        this.metastore = metastore;
        this.journalLimit = settings.journalLimit();
        this.clock = clock;
        this.artifactTree = new ArtifactTree(settings.store(), settings.artifacts());
        this.artifacts = new ArtifactCalls(artifactTree);
        this.modelVersions = new ModelVersions(settings.store(), settings.models());
        this.calls = Counter.builder().name("metrics_sidecar_tracking_calls").help("MLflow calls the tracking endpoint answered, by outcome: "
                + "ok, refused (4xx, as MLflow's server refuses them), overloaded (503: --journal-limit bytes wait for the metastore), failed.")
                .labelNames("outcome").register(registry);
        GaugeWithCallback.builder().name("metrics_sidecar_tracking_backlog_bytes").help("Journaled tracking calls not yet in the metastore, in bytes.")
                .callback(cb -> cb.call(backlogBytes())).register(registry);
        GaugeWithCallback.builder().name("metrics_sidecar_tracking_unshipped_bytes").help("Journaled tracking calls not yet in storage, in bytes.")
                .callback(cb -> cb.call(unshippedBytes())).register(registry);
        this.server = new OneWriteHttpServer(settings.address(), settings.port(), MAX_BODY_BYTES, this::handle);
    }

    /**
     * Replays the journal, starts forwarding it (when a metastore is given) and serves.
     *
     * @param client sends the journal to the metastore; null when there is none
     * @param endpoint the metastore, for reads; null when there is none
     */
    public static TrackingEndpoint start(Settings settings, MetastoreClient client, MetastoreEndpoint endpoint, PodIdentity identity, Clock clock,
            PrometheusRegistry registry) throws IOException {
        TrackingState replayed = new TrackingState();
        StateFile forwarded = new StateFile(settings.journalDir().resolve("forwarded.json"));
        StateFile shipped = new StateFile(settings.journalDir().resolve("shipped.json"));
        JournalFollower.Position forwardedTo = JournalFollower.Position.load(forwarded);
        JournalFollower.Position shippedTo = JournalFollower.Position.load(shipped);
        long[] doneBytes = {0, 0};
        long[] replayedCalls = {0};
        Journal journal = Journal.open(settings.journalDir(), entry -> {
            replayed.apply(entry.call(), entry.body());
            replayedCalls[0]++;
            doneBytes[0] += entry.seq() < forwardedTo.next() ? entry.bytes() : 0;
            doneBytes[1] += entry.seq() < shippedTo.next() ? entry.bytes() : 0;
        });
        JournalFollower forwarder = client == null ? null : JournalFollower.start("tracking-forwarder", journal, new Forwarder(client, identity), forwarded,
                forwardedTo, doneBytes[0], Forwarder.MAX_CALLS, Forwarder.MAX_BYTES, Duration.ofSeconds(1));
        JournalFollower shipper = JournalFollower.start("tracking-shipper", journal, new JournalShipper(settings.store(), settings.tracking()), shipped,
                shippedTo, doneBytes[1], 10_000, 8L << 20, Duration.ofSeconds(SHIP_PAUSE_SECONDS));
        MetastoreReads reads = endpoint == null ? null : new MetastoreReads(endpoint, settings.metastoreTimeout());
        TrackingEndpoint tracking;
        try {
            tracking = new TrackingEndpoint(settings, replayed, journal, forwarder, shipper, reads, clock, registry);
        } catch (IOException | RuntimeException e) {
            // The port is taken, say: nothing left running behind the error.
            if (forwarder != null) {
                forwarder.close();
            }
            shipper.close();
            journal.close();
            throw e;
        }
        tracking.server.start();
        LOG.info("MLflow tracking on http://{}:{} ({} calls in the journal at {})", settings.address(), tracking.port(), replayedCalls[0], settings.journalDir());
        return tracking;
    }

    public int port() {
        return server.port();
    }

    /** Journal bytes the metastore does not have yet; 0 without a metastore. */
    public long backlogBytes() {
        return forwarder == null ? 0 : Math.max(0, journal.bytesWritten() - forwarder.doneBytes());
    }

    /** Journal bytes not in storage yet. */
    public long unshippedBytes() {
        return Math.max(0, journal.bytesWritten() - shipper.doneBytes());
    }

    private OneWriteHttpServer.Response handle(OneWriteHttpServer.Request request) throws IOException {
        String outcome = "ok";
        try {
            if (ArtifactCalls.serves(request.path())) {
                return artifacts.handle(request);
            }
            if (!request.path().startsWith(PREFIX)) {
                throw new MlflowError(404, "ENDPOINT_NOT_FOUND", "no endpoint " + request.path() + " here; MLflow's tracking API is under " + PREFIX
                        + " and its artifacts under " + ArtifactCalls.PREFIX);
            }
            return new OneWriteHttpServer.Response(200, JSON.writeValueAsBytes(answer(request.method(), request.path().substring(PREFIX.length()), request)));
        } catch (MlflowError e) {
            outcome = e.status() == 503 ? "overloaded" : e.status() >= 500 ? "failed" : "refused";
            byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error_code", e.code()).put("message", e.getMessage()));
            return new OneWriteHttpServer.Response(e.status(), body, e.status() == 405 ? allowed(request.path()) : null);
        } catch (IOException | RuntimeException e) {
            outcome = "failed";
            throw e;
        } finally {
            calls.labelValues(outcome).inc();
        }
    }

    private static String allowed(String path) {
        if (ArtifactCalls.serves(path)) {
            return path.equals(ArtifactCalls.PREFIX) ? "GET" : "PUT, GET, DELETE";
        }
        String call = path.substring(PREFIX.length());
        return call.startsWith(MODELS) && !SERVED.containsKey(call) ? modelMethods(call.substring(MODELS.length()).split("/", -1)) : SERVED.get(call);
    }

    /** The methods a path under logged-models/ takes, by its shape: {id}, {id}/tags, {id}/params, {id}/tags/{key}; null for none. */
    private static String modelMethods(String[] segments) {
        return switch (segments.length) {
            case 1 -> "GET, PATCH";
            case 2 -> segments[1].equals("tags") ? "PATCH" : segments[1].equals("params") ? "POST" : null;
            case 3 -> segments[1].equals("tags") ? "DELETE" : null;
            default -> null;
        };
    }

    private ObjectNode answer(String method, String call, OneWriteHttpServer.Request request) throws IOException {
        if (call.startsWith(MODELS) && !SERVED.containsKey(call)) {
            return loggedModel(method, call.substring(MODELS.length()).split("/", -1), request);
        }
        String allowed = SERVED.get(call);
        if (allowed == null) {
            throw new MlflowError(404, "ENDPOINT_NOT_FOUND", method + " " + PREFIX + call + " is not served by the pod's tracking endpoint");
        }
        if (!allowed.equals(method)) {
            throw new MlflowError(405, "BAD_REQUEST", call + " takes " + allowed + ", not " + method);
        }
        if (method.equals("GET")) {
            Map<String, String> query = query(request.rawQuery());
            return switch (call) {
                case "experiments/get-by-name" -> experiment("experiments/get-by-name", "experiment_name", required(query, "experiment_name"));
                case "experiments/get" -> experiment("experiments/get", "experiment_id", required(query, "experiment_id"));
                case "runs/get" -> JSON.createObjectNode().set("run", run(required(query, "run_id")));
                case "metrics/get-history" -> history(required(query, "run_id"), required(query, "metric_key"));
                default -> throw new IllegalStateException("SERVED names GET " + call + " and nothing answers it");
            };
        }
        byte[] raw = request.bytes();
        if (call.equals("runs/search") || call.equals("experiments/search")) {
            return fromMetastore(call, metastoreOrUnavailable(call).post(call, raw.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : raw));
        }
        ObjectNode parsed = parse(raw);
        if (call.equals("logged-models/search")) {
            return searchModels(parsed, raw);
        }
        return write(call.equals("logged-models") ? "logged-models/create" : call, parsed);
    }

    /** A call on one logged model: get, finalize, set tags, log params, delete a tag; the model's id (and a tag's key) from the path. */
    private ObjectNode loggedModel(String method, String[] segments, OneWriteHttpServer.Request request) throws IOException {
        String methods = modelMethods(segments);
        if (methods == null) {
            throw new MlflowError(404, "ENDPOINT_NOT_FOUND", method + " " + PREFIX + MODELS + String.join("/", segments) + " is not served by the pod's tracking endpoint");
        }
        if (!List.of(methods.split(", ")).contains(method)) {
            throw new MlflowError(405, "BAD_REQUEST", MODELS + String.join("/", segments) + " takes " + methods + ", not " + method);
        }
        String modelId = ArtifactTree.fromUrlPath(segments[0]);
        if (method.equals("GET")) {
            return JSON.createObjectNode().set("model", model(modelId));
        }
        ObjectNode body = segments.length == 3 ? JSON.createObjectNode() : parse(request.bytes());
        body.put("model_id", modelId);
        if (segments.length == 3) {
            body.put("key", ArtifactTree.fromUrlPath(segments[2]));
            return write("logged-models/delete-tag", body);
        }
        return write(segments.length == 1 ? "logged-models/finalize" : segments[1].equals("tags") ? "logged-models/set-tags" : "logged-models/log-params", body);
    }

    /** A model made in the pod, else the metastore's (one made elsewhere, a serving pod loading it). */
    private ObjectNode model(String modelId) {
        synchronized (this) {
            if (current.knowsModel(modelId)) {
                return current.model(modelId);
            }
        }
        if (metastore == null) {
            throw MlflowError.notFound("Logged model with ID '" + modelId + "' not found.");
        }
        return (ObjectNode) fromMetastore(MODELS + modelId, metastore.get(MODELS + URLEncoder.encode(modelId, StandardCharsets.UTF_8))).path("model");
    }

    /**
     * The client searches logged models by name to find a run's model ({@code runs:/<run>/<name>}):
     * the pod's own models answer that at once, metastore or not (it may not have them yet), with
     * the metastore's added when it answers. Any other filter is the metastore's search.
     */
    private ObjectNode searchModels(ObjectNode request, byte[] raw) {
        java.util.regex.Matcher byName = BY_NAME.matcher(request.path("filter").asText(""));
        if (!request.path("experiment_ids").isArray() || request.path("experiment_ids").isEmpty()) {
            throw MlflowError.invalid("Missing value for required parameter 'experiment_ids'");
        }
        // Checked as the metastore checks them, though only a name filter is answered here.
        request.path("experiment_ids").forEach(id -> Fields.experimentId(id, "experiment_ids"));
        Fields.text(request, "filter", false, 10_000);
        Fields.text(request, "page_token", false, 1000);
        JsonNode max = request.path("max_results");
        if (!max.isMissingNode() && !max.isNull() && (!max.isInt() || max.asInt() < 1 || max.asInt() > 50_000)) {
            throw MlflowError.invalid("max_results must be a whole number between 1 and 50000");
        }
        JsonNode order = request.path("order_by");
        if (!order.isMissingNode() && !order.isNull()) {
            if (!order.isArray()) {
                throw MlflowError.invalid("order_by must be a list of {field_name, ascending}");
            }
            for (JsonNode item : order) {
                if (!item.path("field_name").isTextual() || item.path("field_name").asText().isEmpty() || item.path("field_name").asText().indexOf('\0') >= 0
                        || !(item.path("ascending").isMissingNode() || item.path("ascending").isNull() || item.path("ascending").isBoolean())) {
                    throw MlflowError.invalid("each order_by item is {field_name, ascending}");
                }
            }
        }
        if (!request.path("filter").asText("").isBlank() && !byName.matches()) {
            return fromMetastore(MODELS + "search", metastoreOrUnavailable(MODELS + "search").post(MODELS + "search", raw));
        }
        java.util.Set<String> experimentIds = new java.util.HashSet<>();
        request.path("experiment_ids").forEach(id -> experimentIds.add(id.asText()));
        String name = byName.matches() ? byName.group(1) : null;
        Map<String, JsonNode> found = new java.util.LinkedHashMap<>();
        synchronized (this) {
            for (ObjectNode model : current.models()) {
                JsonNode info = model.path("info");
                if (experimentIds.contains(info.path("experiment_id").asText()) && (name == null || name.equals(info.path("name").asText()))) {
                    found.put(info.path("model_id").asText(), model);
                }
            }
        }
        if (metastore != null) {
            metastore.post(MODELS + "search", raw).filter(answer -> answer.status() == 200)
                    .ifPresent(answer -> answer.body().path("models").forEach(model -> found.putIfAbsent(model.path("info").path("model_id").asText(), model)));
        }
        ObjectNode answer = JSON.createObjectNode();
        if (!found.isEmpty()) {
            // Newest first, as MLflow's server orders them.
            List<JsonNode> models = new ArrayList<>(found.values());
            models.sort(java.util.Comparator.comparingLong((JsonNode m) -> m.path("info").path("creation_timestamp_ms").asLong()).reversed());
            models.forEach(answer.putArray("models")::add);
        }
        return answer;
    }

    /** Checks, journals and applies a call; answers once it is on disk. */
    private ObjectNode write(String call, ObjectNode request) throws IOException {
        if (call.equals("logged-models/finalize") && request.path("status").asText().equals("LOGGED_MODEL_READY")) {
            commitVersion(request.path("model_id").asText());
        }
        if (call.equals("experiments/create")) {
            // Made elsewhere already: MLflow's answer is that it exists.
            String name = request.path("name").asText("");
            synchronized (this) {
                if (current.experimentByName(name) == null && !name.isEmpty()) {
                    learnExperiment("experiments/get-by-name", "experiment_name", name);
                }
            }
        }
        if (call.startsWith("runs/") && !call.equals("runs/create")) {
            learnRunIfMissing(request);
        }
        List<CompletableFuture<Void>> durable = new ArrayList<>(1);
        ObjectNode answer;
        synchronized (this) {
            if (journalLimit > 0 && backlogBytes() > journalLimit) {
                throw new MlflowError(503, "TEMPORARILY_UNAVAILABLE", "more than --journal-limit (" + journalLimit
                        + " bytes) of tracking calls wait for the metastore; try again shortly");
            }
            ObjectNode journaled = current.prepare(call, request, clock.millis());
            if (journaled != null) {
                journal.append(TrackingState.journaledAs(call), journaled, durable);
                current.apply(TrackingState.journaledAs(call), journaled);
            }
            answer = switch (call) {
                case "logged-models/create", "logged-models/finalize" -> JSON.createObjectNode().set("model", current.model(journaled.path("model_id").asText()));
                case "experiments/create" -> JSON.createObjectNode().put("experiment_id", journaled.path("experiment_id").asText());
                case "runs/create" -> JSON.createObjectNode().set("run", current.run(journaled.path("run_id").asText()));
                case "runs/update" -> JSON.createObjectNode().set("run_info", current.run(journaled.path("run_id").asText()).path("info"));
                default -> JSON.createObjectNode();
            };
        }
        awaitDurable(durable);
        if (forwarder != null) {
            forwarder.poke();
        }
        return answer;
    }

    /**
     * A model finalized READY lands as a model version (its files, then _MANIFEST.json), before
     * the finalize is journaled: the client is told READY only once the version is committed, and
     * the version's place is the model's tag {@code submarine.model_version}. A retried finalize
     * finds the version it made.
     */
    private void commitVersion(String modelId) throws IOException {
        ObjectNode model;
        synchronized (this) {
            if (!current.knowsModel(modelId)) {
                return;
            }
            model = current.model(modelId);
        }
        String uri = model.path("info").path("artifact_uri").asText();
        if (!uri.startsWith("mlflow-artifacts:/")) {
            LOG.warn("logged model {} keeps its files at {}, outside the artifact tree: no model version made", modelId, uri);
            return;
        }
        ModelVersions.Committed version;
        try {
            version = modelVersions.commit(model.path("info").path("name").asText(), artifactTree.root().resolve(ArtifactTree.checked(uri.substring(
                    "mlflow-artifacts:/".length()))), modelId, java.time.Instant.ofEpochMilli(clock.millis()));
        } catch (IllegalArgumentException e) {
            throw MlflowError.invalid(e.getMessage());
        } catch (io.submarine.storage.BlobStoreException e) {
            throw new MlflowError(e.retryable() ? 503 : 500, e.retryable() ? "TEMPORARILY_UNAVAILABLE" : "INTERNAL_ERROR",
                    "committing the model version failed: " + e.getMessage());
        }
        LOG.info("logged model {} committed as version {} of model '{}' at {} ({} files, {} bytes)", modelId, version.version(),
                model.path("info").path("name").asText(), version.location(), version.files(), version.bytes());
        ObjectNode tag = JSON.createObjectNode().put("model_id", modelId);
        tag.putArray("tags").addObject().put("key", "submarine.model_version").put("value", version.location().toString());
        write("logged-models/set-tags", tag);
    }

    private static void awaitDurable(List<CompletableFuture<Void>> durable) {
        for (CompletableFuture<Void> future : durable) {
            try {
                future.get(DURABLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new MlflowError(503, "TEMPORARILY_UNAVAILABLE", "the call could not be written to the pod's journal: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MlflowError(503, "TEMPORARILY_UNAVAILABLE", "interrupted");
            }
        }
    }

    private ObjectNode experiment(String call, String field, String value) throws IOException {
        synchronized (this) {
            ObjectNode known = field.equals("experiment_name") ? current.experimentByName(value) : current.experiment(value);
            if (known == null) {
                known = learnExperiment(call, field, value);
            }
            if (known == null) {
                throw MlflowError.notFound("Could not find experiment with " + (field.equals("experiment_name") ? "name" : "experiment_id") + "=" + value);
            }
            return JSON.createObjectNode().set("experiment", known.deepCopy());
        }
    }

    /** An experiment the metastore has (made elsewhere), remembered in the journal; null if it has none or is away. */
    private ObjectNode learnExperiment(String call, String field, String value) throws IOException {
        if (metastore == null) {
            return null;
        }
        Optional<MetastoreReads.Answer> answer = metastore.get(call, field, value);
        if (answer.isEmpty() || answer.get().status() != 200 || !answer.get().body().path("experiment").isObject()) {
            return null;
        }
        ObjectNode experiment = (ObjectNode) answer.get().body().path("experiment");
        remember(TrackingState.KNOWN_EXPERIMENT, experiment);
        return experiment;
    }

    private void learnRunIfMissing(ObjectNode request) throws IOException {
        String runId;
        try {
            runId = Fields.runId(request);
        } catch (MlflowError checkedLater) {
            return;
        }
        synchronized (this) {
            if (current.knowsRun(runId) || metastore == null) {
                return;
            }
            Optional<MetastoreReads.Answer> answer = metastore.get("runs/get", "run_id", runId);
            if (answer.isPresent() && answer.get().status() == 200 && answer.get().body().path("run").isObject()) {
                remember(TrackingState.KNOWN_RUN, (ObjectNode) answer.get().body().path("run"));
            }
        }
    }

    private ObjectNode run(String runId) throws IOException {
        learnRunIfMissing(JSON.createObjectNode().put("run_id", runId));
        synchronized (this) {
            return current.run(runId);
        }
    }

    /** Journals what was learned (a restart knows it without the metastore); never forwarded. */
    private void remember(String what, ObjectNode body) throws IOException {
        List<CompletableFuture<Void>> durable = new ArrayList<>(1);
        journal.append(what, body, durable);
        current.apply(what, body);
        awaitDurable(durable);
    }

    private ObjectNode history(String runId, String key) {
        synchronized (this) {
            List<ObjectNode> points = current.history(runId, key);
            ObjectNode answer = JSON.createObjectNode();
            if (!points.isEmpty()) {
                // An empty list is left out, as proto3 JSON (and MLflow's server) leaves it out.
                points.forEach(answer.putArray("metrics")::add);
            }
            return answer;
        }
    }

    private MetastoreReads metastoreOrUnavailable(String call) {
        if (metastore == null) {
            throw new MlflowError(501, "NOT_IMPLEMENTED", call + " is answered by the metastore, and this pod has none (--metastore-url)");
        }
        return metastore;
    }

    private static ObjectNode fromMetastore(String call, Optional<MetastoreReads.Answer> answer) {
        if (answer.isEmpty()) {
            throw new MlflowError(503, "TEMPORARILY_UNAVAILABLE", call + " is answered by the metastore, which is away; try again shortly");
        }
        if (answer.get().status() != 200) {
            JsonNode body = answer.get().body();
            throw new MlflowError(answer.get().status(), body.path("error_code").asText("INTERNAL_ERROR"), body.path("message").asText());
        }
        return (ObjectNode) answer.get().body();
    }

    private static ObjectNode parse(byte[] raw) {
        if (raw.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode body = JSON.readTree(raw);
            if (body == null || body.isNull()) {
                return JSON.createObjectNode();
            }
            if (!body.isObject()) {
                throw new MlflowError(400, "MALFORMED_REQUEST", "the request body must be a JSON object");
            }
            return (ObjectNode) body;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MlflowError(400, "MALFORMED_REQUEST", "the request body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MlflowError(400, "MALFORMED_REQUEST", "the request body could not be read: " + e.getMessage());
        }
    }

    private static String required(Map<String, String> query, String name) {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            throw MlflowError.invalid("Missing value for required parameter '" + name + "'");
        }
        return value;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw == null) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            values.putIfAbsent(name, equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    /** Stops answering, lets the journal go to the metastore and to storage for {@code grace}, and closes it. */
    public void close(Duration grace) throws IOException {
        server.close();
        long end = System.nanoTime() + grace.toNanos();
        while ((backlogBytes() > 0 || unshippedBytes() > 0) && System.nanoTime() < end) {
            if (forwarder != null) {
                forwarder.poke();
            }
            shipper.poke();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (forwarder != null) {
            forwarder.close();
        }
        shipper.close();
        journal.close();
    }

    @Override
    public void close() throws IOException {
        close(Duration.ZERO);
    }
}
