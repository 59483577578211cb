package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.TestBackend;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file three times the sidecar's heap ({@code -Xmx128m} on a cloud backend), logged with
 * MLflow's own client through the pod's endpoint to S3 (s3proxy) and downloaded back through it:
 * the same bytes, in storage under the run, streamed both ways (a buffered copy would not fit).
 */
class TrackingArtifactsTest {

    private static final int SIZE_MIB = 384;

    @TempDir
    Path dir;

    @Test
    void aFileLargerThanTheHeapStreamsToStorageAndBack() throws Exception {
        try (TestBackend server = TestBackend.start("s3", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()));
                SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(),
                        SidecarProcess.args(server, dir.resolve("logdir"), dir.resolve("work")))) {
            sidecar.ready();
            JsonNode logged = new ObjectMapper().readTree(MlflowScript.run("log_big_artifact.py", "http://127.0.0.1:" + sidecar.trackingPort(), Map.of(), dir,
                    Integer.toString(SIZE_MIB)));
            assertThat(logged.path("size").asLong()).isEqualTo((long) SIZE_MIB << 20);
            assertThat(logged.path("received").asText()).as("downloaded through the pod, byte for byte").isEqualTo(logged.path("sent").asText());
            Location stored = Location.of(server.storageUri()).asDirectory().resolve("mlflow-artifacts/" + logged.path("experiment").asText() + "/"
                    + logged.path("run").asText() + "/artifacts/weights/model.bin");
            assertThat(store.stat(stored).size()).as("in storage, under the run").isEqualTo((long) SIZE_MIB << 20);
            assertThat(sidecar.alive()).as("the sidecar, within its heap").isTrue();
        }
    }
}
