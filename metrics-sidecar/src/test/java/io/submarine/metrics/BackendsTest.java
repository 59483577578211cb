package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.TestBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shipping and exactly-once on the backends TensorBoard is not pointed at here (HDFS, GCS, Azure;
 * file:// and S3 are in {@link TensorBoardTest}), each against its real test server (see
 * {@link TestBackend}): killed while the task writes, the sidecar goes on where storage stands.
 */
class BackendsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"hdfs", "gcs", "azure"})
    void eachFileIsInStorageOnceByteForByteAcrossKills(String backend) throws Exception {
        try (TestBackend server = TestBackend.start(backend, dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Path logdir = dir.resolve("logdir");
            List<String> args = SidecarProcess.args(server, logdir, dir.resolve("work"), "--flush-interval", "500ms", "--piece-bytes", "8192");
            try (Training training = Training.start(logdir, 400, 0.02, dir)) {
                for (int kill = 0; kill < 3; kill++) {
                    try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                        sidecar.ready();
                        Thread.sleep(1200);
                        sidecar.kill();
                    }
                }
                try (SidecarProcess last = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                    last.ready();
                    training.finish();
                    assertThat(last.terminate()).isZero();
                }
            }
            long stored = RemoteLogdirCheck.assertSameAsLocal(store, SidecarProcess.remoteLogdir(server), logdir);
            assertThat(stored).isPositive();
        }
    }
}
