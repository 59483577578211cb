package io.submarine.metrics;

import static io.submarine.metrics.SidecarProcess.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.S3ProxyServer;
import io.submarine.storage.testing.TestBackend;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real TensorBoard pointed at the remote logdir shows the runs, tags and values it shows on
 * the local one: while the task still runs (held halfway, so the check races
 * nothing), and all of them at the end. On file:// and on S3
 * (s3proxy, read through TensorBoard's own S3 support).
 */
class TensorBoardTest {

    private static final int STEPS = 400;

    /** Kept when the test fails: TensorBoard's and the sidecar's logs say which side missed what. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void tensorBoardReadsFromStorageWhatTheTaskWrites(String backend) throws Exception {
        try (TestBackend server = TestBackend.start(backend, dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Path logdir = dir.resolve("logdir");
            Location remote = SidecarProcess.remoteLogdir(server);
            boolean s3 = backend.equals("s3");
            String remoteForTensorBoard = s3 ? "s3://" + remote.authority() + "/" + remote.path() : Path.of(URI.create(remote.uri())).toString();
            Map<String, String> tensorBoardEnvironment = s3 ? Map.of("S3_ENDPOINT", server.settings().get("s3.endpoint"), "AWS_ACCESS_KEY_ID",
                    S3ProxyServer.IDENTITY, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL, "AWS_REGION", "us-east-1") : Map.of();
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(),
                    SidecarProcess.args(server, logdir, dir.resolve("work"), "--flush-interval", "2s"));
                    TensorBoard onStorage = TensorBoard.start(remoteForTensorBoard, tensorBoardEnvironment, dir.resolve("tensorboard-remote.log"));
                    Training training = Training.startHeldHalfway(logdir, STEPS, 0.02, dir)) {
                sidecar.ready();
                await("TensorBoard on storage shows some of train/loss", () -> points(onStorage, "train", "loss") > 0);
                assertThat(training.running()).as("the task, held halfway, still runs when TensorBoard on storage shows its curve").isTrue();
                assertThat(points(onStorage, "train", "loss")).as("TensorBoard on storage shows at most the first half").isLessThanOrEqualTo(STEPS / 2);
                training.release();
                training.finish();
                assertThat(sidecar.terminate()).isZero();
                try (TensorBoard onLogdir = TensorBoard.start(logdir.toString(), Map.of(), dir.resolve("tensorboard-local.log"))) {
                    // Each run is reloaded on its own, so every series is waited for, not two of them.
                    await("both TensorBoards show every point", () -> showsEveryPoint(onLogdir) && showsEveryPoint(onStorage));
                    assertThat(onStorage.scalars()).containsOnlyKeys("train", "nested/eval", "tensorboard-writer").isEqualTo(onLogdir.scalars());
                    assertThat(onStorage.runs()).isEqualTo(onLogdir.runs());
                    if (!s3) {
                        // TensorBoard's default reader, the Rust data server, reads the pieces as the one file too.
                        try (TensorBoard fast = TensorBoard.start(remoteForTensorBoard, Map.of(), dir.resolve("tensorboard-fast.log"), true)) {
                            await("the Rust data server shows every step", () -> points(fast, "train", "loss") == STEPS);
                            assertThat(fast.scalars()).isEqualTo(onLogdir.scalars());
                        }
                    }
                }
            }
            long stored = RemoteLogdirCheck.assertSameAsLocal(store, remote, logdir);
            try (InputStream complete = store.open(remote.resolve("_COMPLETE"))) {
                JsonNode totals = new ObjectMapper().readTree(complete);
                assertThat(totals.path("bytes").asLong()).isEqualTo(stored);
                assertThat(totals.path("files").size()).isEqualTo(3);
            }
        }
    }

    private static boolean showsEveryPoint(TensorBoard tensorBoard) throws Exception {
        return points(tensorBoard, "train", "loss") == STEPS && points(tensorBoard, "train", "lr/group0") == STEPS
                && points(tensorBoard, "tensorboard-writer", "throughput") == STEPS && points(tensorBoard, "nested/eval", "accuracy") == STEPS / 10;
    }

    private static int points(TensorBoard tensorBoard, String run, String tag) throws Exception {
        JsonNode series = tensorBoard.scalars().getOrDefault(run, Map.of()).get(tag);
        return series == null ? 0 : series.size();
    }
}
