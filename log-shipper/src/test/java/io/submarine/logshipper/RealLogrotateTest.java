package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import io.submarine.logshipper.NumberedLogWriter.Tally;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.TestBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipper with its default flags against Debian's own {@code logrotate}, run every second on a
 * task logging numbered lines at 200 KB/s (reopening its file as Python's WatchedFileHandler
 * does), while the shipper is SIGKILLed and started again over twenty times, at moments nobody
 * chose: nothing waits for the shipper before rotating or killing. Every line arrives exactly once;
 * with copytruncate, lines written between logrotate's copy and its truncation while the shipper
 * is down are beyond any reader (logrotate documents that window), and only those may be missing.
 */
class RealLogrotateTest {

    private static final int RESTARTS = 20;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"create", "copytruncate", "dateext", "numbered-compress"})
    void killedTwentyTimesWhileLogrotateRotatesEverySecondNothingLostNothingTwice(String scheme) throws Exception {
        Path logrotate = logrotate();
        try (TestBackend server = TestBackend.start("file", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Scenario scenario = new Scenario(dir, server.storageUri(), server.settings(), store);
            Path live = scenario.logs.resolve("app.log");
            Path config = Files.writeString(dir.resolve("logrotate.conf"), live + " {\n" + switch (scheme) {
                case "create" -> "  create\n  compress\n  delaycompress\n";
                case "copytruncate" -> "  copytruncate\n  compress\n  delaycompress\n";
                case "dateext" -> "  create\n  dateext\n  dateformat -%Y%m%d-%s\n  compress\n  delaycompress\n";
                default -> "  create\n  compress\n";
            } + "  size 100k\n  rotate 1000\n  missingok\n}\n");
            NumberedLogWriter writer = new NumberedLogWriter(live, 100);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicInteger rotations = new AtomicInteger();
            Thread rotator = new Thread(() -> {
                try {
                    while (writing.get()) {
                        Process run = new ProcessBuilder(logrotate.toString(), "-s", dir.resolve("logrotate.state").toString(), config.toString())
                                .redirectErrorStream(true).start();
                        String output = new String(run.getInputStream().readAllBytes());
                        if (run.waitFor() != 0) {
                            throw new IOException("logrotate failed: " + output);
                        }
                        rotations.set(count(scenario.logs) - 1);
                        Thread.sleep(1000);
                    }
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "logrotate");
            Thread task = new Thread(() -> {
                try {
                    while (writing.get()) {
                        writer.writeFor(0.5, 200_000);
                    }
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "task");
            task.start();
            rotator.start();
            killRepeatedly(scenario, new Random(20261207 + scheme.hashCode()), RESTARTS);
            writing.set(false);
            task.join();
            rotator.join();
            writer.close();
            assertThat(failed.get()).isNull();

            Tally tally = shipOnceMoreAndTally(scenario, writer.lines());
            assertThat(rotations.get()).as("rotations by logrotate").isGreaterThanOrEqualTo(15);
            if (scheme.equals("copytruncate")) {
                // At most the lines of a few copy-truncate windows while the shipper was down: 10 ms of writing each at most.
                assertThat(tally.missing()).as(tally.toString()).isLessThanOrEqualTo(RESTARTS * 20L);
            } else {
                assertThat(tally.missing()).as(tally.toString()).isZero();
            }
            assertThat(tally.duplicated()).as(tally.toString()).isZero();
        }
    }

    /**
     * A task that rotates its own log every {@code rotationSeconds}, by rename and by copy-truncate in
     * turn, keeping every rotated file: at 0.2 s faster than the shipper's poll interval.
     */
    @ParameterizedTest
    @CsvSource({"0.2, false", "0.2, true", "1.5, false", "1.5, true"})
    void aTaskAlternatingRenameAndCopyTruncateLosesNothing(double rotationSeconds, boolean killed) throws Exception {
        try (TestBackend server = TestBackend.start("file", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Scenario scenario = new Scenario(dir, server.storageUri(), server.settings(), store);
            NumberedLogWriter writer = new NumberedLogWriter(scenario.logs.resolve("app.log"), 100);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            long rate = rotationSeconds < 1 ? 900_000 : 700_000;
            double seconds = killed ? 30 : 10;
            Thread task = new Thread(() -> {
                try {
                    writer.writeFor(seconds, rate, (long) (rate * rotationSeconds));
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "task");
            Tally tally;
            if (killed) {
                task.start();
                killRepeatedly(scenario, new Random(4), RESTARTS);
                task.join();
                tally = shipOnceMoreAndTally(scenario, writer.lines());
            } else {
                try (ShipperProcess shipper = scenario.start("--segment-age", null, "--rotate-wait", null, "--poll-interval", null)) {
                    task.start();
                    task.join();
                    Thread.sleep(1000);
                    assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:%n%s", shipper.output()).isZero();
                }
                tally = tally(scenario, writer.lines());
            }
            writer.close();
            assertThat(failed.get()).isNull();
            assertThat(writer.rotations()).isGreaterThanOrEqualTo((int) (seconds / rotationSeconds * 0.8));
            assertThat(tally.missing()).as(tally.toString()).isZero();
            assertThat(tally.duplicated()).as(tally.toString()).isZero();
        }
    }

    /** Starts the shipper (default flags) and SIGKILLs it at random moments, {@code times} times, down for a random while each time. */
    private static void killRepeatedly(Scenario scenario, Random random, int times) throws Exception {
        for (int kill = 0; kill < times; kill++) {
            try (ShipperProcess shipper = scenario.start("--segment-age", null, "--rotate-wait", null, "--poll-interval", null)) {
                TimeUnit.MILLISECONDS.sleep(500 + random.nextInt(1500));
                shipper.kill();
            }
            TimeUnit.MILLISECONDS.sleep(100 + random.nextInt(900));
        }
    }

    private static Tally shipOnceMoreAndTally(Scenario scenario, long written) throws Exception {
        try (ShipperProcess last = scenario.start("--segment-age", null, "--rotate-wait", null, "--poll-interval", null)) {
            last.healthPort(Duration.ofSeconds(60));
            Thread.sleep(3000);
            assertThat(last.terminate(Duration.ofSeconds(60))).as("exit code; output:%n%s", last.output()).isZero();
        }
        return tally(scenario, written);
    }

    /** The remote read segment by segment: what the shipper committed, line by line. */
    private static Tally tally(Scenario scenario, long written) throws IOException {
        NumberedLogWriter.Counter counter = new NumberedLogWriter.Counter();
        for (BlobInfo segment : RemoteLog.segments(scenario.store, scenario.stream("main"))) {
            try (InputStream in = new ZstdInputStream(scenario.store.open(segment.location()))) {
                counter.add(in.readAllBytes());
            }
        }
        Tally tally = counter.of(written);
        System.out.println("shipped: " + tally);
        if (tally.missing() > 0 || tally.duplicated() > 0) {
            System.err.println("shipper warnings:\n" + scenario.warnings());
        }
        return tally;
    }

    private static int count(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return (int) files.count();
        }
    }

    private static Path logrotate() {
        for (String candidate : List.of("/usr/sbin/logrotate", "/sbin/logrotate", "/usr/bin/logrotate")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        // .ci/run installs it (and there this fails); a developer's machine without it skips, saying so.
        Fixtures.unavailable("Debian's logrotate is not installed (apt-get install logrotate)");
        return null;
    }
}
