package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.logsegment.Position;
import io.submarine.logshipper.ship.Recovery;
import io.submarine.logshipper.source.FileFollower;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
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
 * upload and the checkpoint. Small segments cut by age make every window likely. After the last
 * restart the remote holds every line exactly once. (A rotated file that the next rotation deletes
 * before any run has committed a position in its successor is beyond recovery, and logged: the
 * task here rotates only after such a commit, as real rotations are minutes apart.)
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
            // A rotated file is only safe if the shipper has started on the live file before the
            // next rotation deletes the old one (see the class comment): the task rotates only once
            // a committed segment says the shipper stands in the file now at the path, as it is
            // now: after a copy-truncate the same inode holds new lines, and a position committed
            // before the truncation is not in them. Runs are still killed at any moment around it.
            Path live = scenario.logs.resolve("app.log");
            LogWriter writer = new LogWriter(live, 3).rotateWhen(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (System.nanoTime() < end) {
                    Position committed = Recovery.lastCommitted(store, scenario.stream("main")).map(index -> index.positions().get(live.toString()))
                            .orElse(null);
                    if (committed != null && committed.offset() > 0 && FileFollower.isFileOf(committed, live)) {
                        return;
                    }
                    Thread.sleep(100);
                }
                throw new AssertionError("the shipper never committed a position in the live file");
            });
            Thread writing = new Thread(() -> {
                try {
                    // Four rotations, two of each kind.
                    writer.lines(7400, 1500, 2000);
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
