package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.TestBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MLflow's own client (PyPI) logs through the sidecar's tracking endpoint as a training script
 * does, artifacts and a model (log_model) included, and reads back from the real metastore (its
 * own process) exactly what was logged, once, and the model loads and predicts; with the metastore
 * away the whole run too; and the same script logging to the metastore directly reads back the
 * same. Through the pod, the model is also a committed model version in storage.
 */
class TrackingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theClientLogsThroughThePodAndReadsBackFromTheMetastore() throws Exception {
        int port = Fixtures.freePort();
        try (TestBackend server = TestBackend.start("file", dir); ExternalServer metastore = MetastoreProcess.on(port, dir)) {
            metastore.start();
            List<String> args = SidecarProcess.args(server, dir.resolve("logdir"), dir.resolve("work"));
            args.addAll(MetastoreProcess.sidecarFlags(port, dir));
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                int health = sidecar.ready();
                String endpoint = "http://127.0.0.1:" + sidecar.trackingPort();
                MlflowScript.run("log_run.py", endpoint, Map.of(), dir, dir.resolve("expected.json").toString());
                SidecarProcess.await("the journal is in the metastore", () -> SidecarProcess.metric(health, "metrics_sidecar_tracking_backlog_bytes") == 0);
                assertThat(SidecarProcess.metrics(health)).contains("metrics_sidecar_tracking_calls_total{outcome=\"ok\"}");
                assertThat(sidecar.terminate()).isZero();
            }
            assertReadBack(port, true);
        }
    }

    @Test
    void theMetastoreAwayForTheWholeRunHoldsNothingBack() throws Exception {
        int port = Fixtures.freePort();
        try (TestBackend server = TestBackend.start("file", dir); ExternalServer metastore = MetastoreProcess.on(port, dir)) {
            List<String> args = SidecarProcess.args(server, dir.resolve("logdir"), dir.resolve("work"));
            args.addAll(MetastoreProcess.sidecarFlags(port, dir));
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                int health = sidecar.ready();
                // The script runs start to end with nowhere to forward to: answered from the journal, it neither fails nor waits.
                MlflowScript.run("log_run.py", "http://127.0.0.1:" + sidecar.trackingPort(), Map.of(), dir, dir.resolve("expected.json").toString());
                assertThat(SidecarProcess.metric(health, "metrics_sidecar_tracking_backlog_bytes")).as("calls waiting for the metastore").isPositive();
                // Storage has the journal all the same: tracking survives without the metastore.
                SidecarProcess.await("the journal is in storage", () -> SidecarProcess.metric(health, "metrics_sidecar_tracking_unshipped_bytes") == 0);
                JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
                List<JsonNode> shipped = ShippedJournal.lines(dir.resolve("remote"), expected.path("parent").asText());
                assertThat(ShippedJournal.steps(shipped, "loss")).as("the loss in storage, every point once")
                        .containsExactlyInAnyOrderElementsOf(java.util.stream.StreamSupport.stream(expected.path("history").path("loss").spliterator(), false)
                                .map(point -> point.get(0).asLong()).toList());
                metastore.start();
                SidecarProcess.await("the journal is in the metastore", () -> SidecarProcess.metric(health, "metrics_sidecar_tracking_backlog_bytes") == 0);
                assertThat(sidecar.terminate()).isZero();
            }
            assertReadBack(port, true);
        }
    }

    @Test
    void theSameScriptAgainstTheMetastoreDirectlyGivesTheSameResults() throws Exception {
        int port = Fixtures.freePort();
        try (ExternalServer metastore = MetastoreProcess.on(port, dir)) {
            metastore.start();
            MlflowScript.run("log_run.py", "http://127.0.0.1:" + port, Map.of("MLFLOW_TRACKING_TOKEN", MetastoreProcess.REPORTER_TOKEN), dir,
                    dir.resolve("expected.json").toString());
            assertReadBack(port, false);
        }
    }

    /**
     * Reads the runs of log_run.py back from the metastore with MLflow's client: exactly what the
     * script logged, once; {@code viaPod}: the model is a committed model version too.
     */
    private void assertReadBack(int port, boolean viaPod) throws Exception {
        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        JsonNode read = JSON.readTree(MlflowScript.run("read_back.py", "http://127.0.0.1:" + port, Map.of("MLFLOW_TRACKING_TOKEN", MetastoreProcess.READER_TOKEN),
                dir, expected.path("experiment_id").asText(), expected.path("parent").asText(), expected.path("child").asText()));

        JsonNode parent = read.path("parent");
        assertThat(parent.path("experiment_id").asText()).as("the pod's experiment id is the metastore's").isEqualTo(expected.path("experiment_id").asText());
        assertThat(parent.path("name").asText()).isEqualTo("parent");
        assertThat(parent.path("status").asText()).isEqualTo("FINISHED");
        assertThat(parent.path("params")).isEqualTo(JSON.readTree("{\"lr\":\"0.01\",\"batch\":\"32\"}"));
        assertThat(parent.path("tags").path("stage").asText()).isEqualTo("done");
        assertThat(parent.path("tags").has("owner")).as("deleted tag").isFalse();
        JsonNode loss = expected.path("history").path("loss");
        assertThat(parent.path("metrics").path("loss").asDouble()).as("the latest loss").isEqualTo(loss.get(loss.size() - 1).get(1).asDouble());
        for (String key : List.of("loss", "acc", "f1")) {
            assertThat(parent.path("history").path(key)).as("the history of %s: every point once", key).isEqualTo(expected.path("history").path(key));
        }
        JsonNode child = read.path("child");
        assertThat(child.path("status").asText()).isEqualTo("FINISHED");
        assertThat(child.path("params").path("layers").asText()).isEqualTo("3");
        assertThat(child.path("tags").path("mlflow.parentRunId").asText()).isEqualTo(expected.path("parent").asText());
        assertThat(child.path("history").path("val_loss")).isEqualTo(expected.path("child_history").path("val_loss"));
        assertThat(texts(read.path("found"))).as("search with a filter").containsExactly(expected.path("parent").asText());
        assertThat(texts(read.path("all"))).as("search ordered by start time").containsExactly(expected.path("parent").asText(), expected.path("child").asText());

        String runArtifacts = expected.path("experiment_id").asText() + "/" + expected.path("parent").asText() + "/artifacts";
        assertThat(read.path("artifact_uri").asText()).as("as MLflow's server with --serve-artifacts names it").isEqualTo("mlflow-artifacts:/" + runArtifacts);
        assertThat(read.path("downloaded")).as("every artifact downloaded, byte for byte").isEqualTo(expected.path("artifacts"));
        assertThat(fieldNames(read.path("listed"))).as("every artifact listed").isEqualTo(fieldNames(expected.path("artifacts")));
        assertThat(read.path("listed").path("outputs/plots/deep/weights.bin").asLong()).isEqualTo(3 << 20);
        assertThat(dir.resolve("remote/mlflow-artifacts").resolve(runArtifacts).resolve("outputs/plots/loss curve.txt"))
                .as("in the storage both were given, under the run").isRegularFile();

        JsonNode model = read.path("model");
        assertThat(model.path("model_id").asText()).as("the run's output").isEqualTo(expected.path("model_id").asText());
        assertThat(model.path("name").asText()).isEqualTo("adder");
        assertThat(model.path("status").asText()).isEqualTo("READY");
        assertThat(model.path("prediction")).as("loaded through runs:/<run>/adder, it predicts").isEqualTo(JSON.readTree("[2,3]"));
        if (viaPod) {
            Path version = dir.resolve("remote/models/adder/1");
            assertThat(model.path("tags").path("submarine.model_version").asText()).as("where the version is").endsWith("/models/adder/1/");
            JsonNode manifest = JSON.readTree(version.resolve("_MANIFEST.json").toFile());
            assertThat(manifest.path("source").path("mlflow_model_id").asText()).isEqualTo(expected.path("model_id").asText());
            List<String> files = manifest.path("files").findValuesAsText("path");
            assertThat(files).contains("MLmodel", "python_model.pkl");
            for (JsonNode file : manifest.path("files")) {
                byte[] content = java.nio.file.Files.readAllBytes(version.resolve(file.path("path").asText()));
                assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content)))
                        .as("%s as its manifest says", file.path("path").asText()).isEqualTo(file.path("sha256").asText());
            }
        }
    }

    private static java.util.Set<String> fieldNames(JsonNode object) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }
}
