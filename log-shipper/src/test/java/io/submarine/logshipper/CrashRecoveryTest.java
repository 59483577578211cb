package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.TestBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL at random moments, over and over, while a task keeps writing and rotating its log,
 * shipping to each backend's real test server (see {@link TestBackend}):
 * between reading and sealing, between sealing and uploading, during an upload, between the
 * upload and the checkpoint, between a sync and the next. Small segments cut by age make every
 * window likely. The task rotates on its own schedule, whether the shipper runs or not. After the
 * last restart the remote holds every line exactly once.
 *
 * <p>No shipper reads a file deleted or overwritten while none runs: a copy-truncate overwrites the
 * {@code .1} that the rename before it made. So the task rotates at a pace real ones keep (hourly,
 * or every so many MiB) next to a restart: about every 8 s, longer than two restarts of the
 * slowest backend's shipper (2.5 s each here). At 3 s a run killed 50 ms after resuming in the
 * renamed file, and a next one 2.5 s later, once found it overwritten (and said so).
 */
class CrashRecoveryTest {

    private static final int KILLS = 24;

    /** Kept when the test fails: the logs, checkpoint and remote explain what went wrong. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3", "azure", "gcs", "hdfs"})
    void killedTwentyTimesNothingLostNothingTwice(String backend) throws Exception {
        try (TestBackend server = TestBackend.start(backend, dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Scenario scenario = new Scenario(dir, server.storageUri(), server.settings(), store);
            String[] smallSegments = {"--segment-bytes", "65536", "--segment-age", "PT0.1S"};
            Random random = new Random(20261128);
            AtomicReference<Throwable> writerFailed = new AtomicReference<>();
            // The task rotates when it wants to, as a real one does: nothing waits for the shipper.
            LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 3);
            Thread writing = new Thread(() -> {
                try {
                    // Four rotations, two of each kind, about 8 s apart (see above).
                    writer.lines(7400, 1500, 5000);
                } catch (Exception | Error e) {
                    writerFailed.set(e);
                }
            }, "task");
            writing.start();
            int segmentsBefore = 0;
            int grewBetweenKills = 0;
            int killsWhileWriting = 0;
            for (int kill = 0; kill < KILLS; kill++) {
                killsWhileWriting += writing.isAlive() ? 1 : 0;
                try (ShipperProcess shipper = scenario.start(smallSegments)) {
                    shipper.healthPort(Duration.ofSeconds(60));
                    if (kill % 2 == 1 && writing.isAlive()) {
                        // Every other run first commits something (a slow backend's client takes a
                        // while to start), so that reading gets past each rotation in time.
                        shipper.logs("committed", Duration.ofSeconds(15));
                    }
                    Thread.sleep(random.nextInt(1500));
                    shipper.kill();
                }
                // Listed, not read: the remote is read back whole once, after the last run.
                int segments = RemoteLog.segments(store, scenario.stream("main")).size();
                if (segments > segmentsBefore) {
                    grewBetweenKills++;
                }
                segmentsBefore = segments;
            }
            writing.join();
            writer.close();
            assertThat(writerFailed.get()).isNull();
            try (ShipperProcess last = scenario.start(smallSegments)) {
                last.healthPort(Duration.ofSeconds(60));
                Thread.sleep(1500);
                assertThat(last.terminate(Duration.ofSeconds(60))).as("exit code; output:%n%s", last.output()).isZero();
            }
            RemoteLog remote = scenario.remote("main");
            Scenario.assertSameBytes("the remote after " + KILLS + " SIGKILLs (shipper warnings:\n" + scenario.warnings() + "\n)", remote.content(),
                    writer.written());
            assertThat(remote.lines()).isEqualTo(writer.linesWritten());
            // The kills interrupted real work: runs that had committed something, and runs while the task was writing.
            assertThat(grewBetweenKills).as("runs that committed segments before being killed").isGreaterThanOrEqualTo(4);
            assertThat(killsWhileWriting).as("kills while the task was writing").isGreaterThanOrEqualTo(4);
            assertThat(remote.complete()).isPresent();
        }
    }
}
