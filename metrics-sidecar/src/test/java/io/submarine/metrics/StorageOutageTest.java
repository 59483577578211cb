package io.submarine.metrics;

import static io.submarine.metrics.SidecarProcess.await;
import static io.submarine.metrics.SidecarProcess.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.S3ProxyServer;
import io.submarine.storage.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3 (s3proxy in its own process) goes away while the task writes: nothing is lost, and a shutdown that cannot ship says so. */
class StorageOutageTest {

    @TempDir
    Path dir;

    @Test
    void storageDownMidRunThePiecesWaitAndAreShippedWhenItIsBack() throws Exception {
        try (TestBackend server = TestBackend.start("s3", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            S3ProxyServer s3 = (S3ProxyServer) server.server();
            Path logdir = dir.resolve("logdir");
            List<String> args = SidecarProcess.args(server, logdir, dir.resolve("work"), "--flush-interval", "500ms", "--set", "retry.max-attempts=1");
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args);
                    Training training = Training.start(logdir, 1000, 0.02, dir)) {
                // The task writes for 20 s, long after storage goes away.
                int port = sidecar.ready();
                await("a piece is shipped", () -> metric(port, "metrics_sidecar_pieces_total") > 0);
                s3.control().kill();
                await("uploads fail", () -> metric(port, "metrics_sidecar_upload_errors_total") > 0);
                await("the lag grows past a second", () -> metric(port, "metrics_sidecar_lag_seconds") > 1);
                assertThat(metric(port, "metrics_sidecar_unshipped_bytes")).isPositive();
                training.finish();
                s3.control().start();
                await("everything is shipped", () -> metric(port, "metrics_sidecar_unshipped_bytes") == 0);
                assertThat(sidecar.terminate()).isZero();
            }
            RemoteLogdirCheck.assertSameAsLocal(store, SidecarProcess.remoteLogdir(server), logdir);
        }
    }

    @Test
    void aDeadlineTooShortForTheBacklogExitsSevenWithoutCompleteAndTheNextStartShipsIt() throws Exception {
        try (TestBackend server = TestBackend.start("s3", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            S3ProxyServer s3 = (S3ProxyServer) server.server();
            Path logdir = dir.resolve("logdir");
            Path termination = dir.resolve("termination-log");
            Map<String, String> environment = Map.of("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString());
            List<String> args = SidecarProcess.args(server, logdir, dir.resolve("work"), "--flush-interval", "1h", "--shutdown-deadline", "2s",
                    "--set", "retry.max-attempts=1");
            Location remote = SidecarProcess.remoteLogdir(server);
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), environment, args)) {
                int port = sidecar.ready();
                try (Training training = Training.start(logdir, 100, 0, dir)) {
                    training.finish();
                }
                await("the files are read", () -> metric(port, "metrics_sidecar_unshipped_bytes") > 0);
                s3.control().kill();
                assertThat(sidecar.terminate()).isEqualTo(ExitCode.DEADLINE.code());
                assertThat(Files.readString(termination)).contains("deadline passed").contains("not uploaded").contains("_COMPLETE not written");
            }
            s3.control().start();
            assertThat(RemoteLogdirCheck.objects(store, remote)).doesNotContainKey("_COMPLETE");
            try (SidecarProcess again = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                again.ready();
                assertThat(again.terminate()).isZero();
            }
            RemoteLogdirCheck.assertSameAsLocal(store, remote, logdir);
            assertThat(RemoteLogdirCheck.objects(store, remote)).containsKey("_COMPLETE");
        }
    }
}
