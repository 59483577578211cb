package io.submarine.logshipper;

import static io.submarine.logshipper.ShipperProcess.await;
import static io.submarine.logshipper.ShipperProcess.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The program as a process shipping to file:// (the other backends: {@link BackendsTest}). */
class LogShipperTest {

    /** Kept when a test fails: the shipper's log, checkpoint and remote explain it. */
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    private BlobStores store;
    private Scenario scenario;

    @BeforeEach
    void setUp() throws Exception {
        store = BlobStores.load(StorageConfig.empty());
        scenario = new Scenario(dir, dir.resolve("remote").toUri().toString(), Map.of(), store);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    /**
     * A pod with a read-only root file system and no volume at /tmp: zstd's native code cannot
     * unpack into java.io.tmpdir, so it goes to the work directory, and every line is shipped.
     */
    @Test
    void aReadOnlyTmpStillShipsEveryLine() throws Exception {
        String noTmp = "-Djava.io.tmpdir=" + dir.resolve("not-there");
        try (ShipperProcess shipper = scenario.startWith(Map.of("JAVA_TOOL_OPTIONS", noTmp));
                LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 9)) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following " + scenario.logs.resolve("app.log"), Duration.ofSeconds(30));
            writer.lines(300, 0, 100);
            writer.write("the last words, without a newline".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Thread.sleep(300);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as(shipper.output()).isZero();
            scenario.assertShippedExactly(writer);
            assertThat(shipper.output()).contains("temporary files go to " + scenario.work.resolve("tmp"));
        }
    }

    /**
     * A file renamed away, then, while the shipper still waits out --rotate-wait on it, the next
     * file at the path copy-truncated (an app whose two loggers rotate by both means): that next
     * file's first lines are only in its copy by the time the shipper opens it, and are read from there.
     */
    @Test
    void theNextFileCopyTruncatedBeforeItIsReadIsReadFromItsCopy() throws Exception {
        try (ShipperProcess shipper = scenario.start("--rotate-wait", "PT2S");
                LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 13)) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following " + scenario.logs.resolve("app.log"), Duration.ofSeconds(30));
            writer.lines(30, 0, 100);
            Thread.sleep(300);
            writer.rotateByRename();
            writer.lines(40, 0, 100);
            Thread.sleep(300); // seen at the path, while the renamed file's rotate wait runs
            writer.rotateByCopyTruncate();
            writer.lines(10, 0, 100);
            writer.write("the last words, without a newline".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Thread.sleep(3000);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as(shipper.output()).isZero();
            scenario.assertShippedExactly(writer);
        }
    }

    /** A native library that cannot load fails the program, which Kubernetes restarts, instead of leaving it running with no reader. */
    @Test
    void aReaderThatDiesStopsTheShipperLoudly() throws Exception {
        try (ShipperProcess shipper = scenario.startWith(Map.of("JAVA_TOOL_OPTIONS", "-DZstdTempFolder=" + dir.resolve("not-there")));
                LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 5)) {
            writer.lines(10, 0, 100);
            assertThat(shipper.waitFor(Duration.ofSeconds(60))).as(shipper.output()).isNotZero();
            assertThat(Files.readString(scenario.termination)).contains("Cannot unpack libzstd-jni");
        }
    }

    @Test
    void rotationsOfBothKindsArriveByteForByteAndSigtermCompletesTheStream() throws Exception {
        try (ShipperProcess shipper = scenario.start()) {
            LogWriter writer = scenario.writeRotateAndStop(shipper, 4000);
            scenario.assertShippedExactly(writer);
            assertThat(scenario.remote("main").keys()).hasSizeGreaterThan(1).allMatch(key -> key.matches("\\d{10}\\.log\\.zst"));
        }
    }

    @Test
    void anAppRotatingFasterThanTheRotateWaitLosesNoLine() throws Exception {
        try (ShipperProcess shipper = scenario.start("--rotate-wait", "PT1S")) {
            shipper.healthPort(Duration.ofSeconds(60));
            try (LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 11)) {
                shipper.awaitOutput("following " + scenario.logs.resolve("app.log"), Duration.ofSeconds(30));
                // Three rotations within each wait. The 15 backups last 4.5 s, ample for a shipper a
                // wait behind; the last rotations delete the oldest, and the next files may reuse their inodes.
                for (int rotation = 0; rotation < 20; rotation++) {
                    for (int line = 0; line < 100; line++) {
                        writer.line();
                    }
                    writer.rotateByRenameChain(15);
                    Thread.sleep(300);
                }
                writer.write("the last words, without a newline".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                Thread.sleep(300);
                assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output()).isZero();
                scenario.assertShippedExactly(writer);
            }
            assertThat(scenario.warnings()).doesNotContain("not shipped");
        }
    }

    @Test
    void startedAtTheEndOnAFreshWorkDirectoryItShipsOnlyWhatIsWrittenAfterwards() throws Exception {
        Path log = scenario.logs.resolve("app.log");
        Files.writeString(scenario.logs.resolve("app.log.1"), "rotated before the start\n");
        Files.writeString(log, "written before the start\n");
        try (ShipperProcess shipper = scenario.start("--start-at", "end")) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("as --start-at end asks", Duration.ofSeconds(30));
            Files.writeString(log, "after\n", java.nio.file.StandardOpenOption.APPEND);
            Thread.sleep(500);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output()).isZero();
        }
        assertThat(new String(scenario.remote("main").content(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("after\n");
    }

    @Test
    void aFileDeletedBeforeItWasReadIsNamedCountedAndInComplete() throws Exception {
        try (ShipperProcess shipper = scenario.start("--rotate-wait", "PT3S")) {
            int port = shipper.healthPort(Duration.ofSeconds(60));
            scenario.loseAFileSeenAtThePath(port);
            assertThat(ShipperProcess.metric(port, "logshipper_read_gaps_total")).isEqualTo(1);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output()).isZero();
            assertThat(shipper.output()).contains("was rotated away and deleted before it was read: its bytes from 0 to 4 are lost");
        }
        RemoteLog remote = scenario.remote("main");
        assertThat(new String(remote.content(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("one\nthree\n");
        assertThat(remote.complete().orElseThrow()).contains("\"lostBytes\":4", "\"gaps\":1");
    }

    @Test
    void aFileTheShipperCannotReadWaitsWhileTheOthersShip() throws Exception {
        // As when the app writes a log only its own user may read, and the sidecar runs as another.
        Path secretLog = scenario.logs.resolve("secret.log");
        try (LogWriter secret = new LogWriter(secretLog, 21); LogWriter app = new LogWriter(scenario.logs.resolve("app.log"), 22)) {
            try (ShipperProcess shipper = startWhileUnreadable(secret, secretLog, app, 200)) {
                int port = shipper.healthPort(Duration.ofSeconds(60));
                await("the unreadable file is counted", () -> metric(port, "logshipper_unreadable_files") == 1.0);
                app.lines(300, 0, 0);
                secret.lines(100, 0, 0);
                await("every line of app.log is read", () -> metric(port, "logshipper_read_lines_total") == app.linesWritten());
                assertThat(shipper.alive()).isTrue();

                Files.setPosixFilePermissions(secretLog, PosixFilePermissions.fromString("rw-r--r--"));
                await("secret.log is read too", () -> metric(port, "logshipper_read_lines_total") == app.linesWritten() + secret.linesWritten());
                assertThat(metric(port, "logshipper_unreadable_files")).isZero();
                assertThat(shipper.output()).contains(secretLog + " can be read again");
                assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output()).isZero();
            }
            RemoteLog remote = scenario.remote("main");
            Scenario.assertSameBytes("app.log", remote.bySource().get(scenario.logs.resolve("app.log").toString()).toByteArray(), app.written());
            Scenario.assertSameBytes("secret.log", remote.bySource().get(secretLog.toString()).toByteArray(), secret.written());
        }
    }

    /**
     * Writes {@code lines} lines to each file, takes every permission off {@code secretLog}, and
     * starts a shipper bound by file modes; returns once it has said it cannot read that file.
     */
    private ShipperProcess startWhileUnreadable(LogWriter secret, Path secretLog, LogWriter app, int lines) throws Exception {
        secret.lines(lines, 0, 0);
        Files.setPosixFilePermissions(secretLog, Set.of());
        app.lines(lines, 0, 0);
        ShipperProcess shipper = scenario.startBoundByFileModes();
        try {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput(secretLog + " cannot be read", Duration.ofSeconds(30));
            return shipper;
        } catch (Exception | Error e) {
            shipper.close();
            throw e;
        }
    }

    @Test
    void aFileStillUnreadableAtShutdownFailsItAndTheNextStartShipsIt() throws Exception {
        Path secretLog = scenario.logs.resolve("secret.log");
        try (LogWriter secret = new LogWriter(secretLog, 25); LogWriter app = new LogWriter(scenario.logs.resolve("app.log"), 26)) {
            try (ShipperProcess shipper = startWhileUnreadable(secret, secretLog, app, 100)) {
                assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output())
                        .isEqualTo(ExitCode.UNREACHABLE.code());
            }
            assertThat(Files.readString(scenario.termination)).contains("could not be read", secretLog.toString(), "_COMPLETE not written");
            RemoteLog first = scenario.remote("main");
            Scenario.assertSameBytes("app.log", first.bySource().get(scenario.logs.resolve("app.log").toString()).toByteArray(), app.written());
            assertThat(first.complete()).isEmpty();

            // The sidecar restarted in the same pod, once the file can be read.
            Files.setPosixFilePermissions(secretLog, PosixFilePermissions.fromString("rw-r--r--"));
            try (ShipperProcess again = scenario.startBoundByFileModes()) {
                again.healthPort(Duration.ofSeconds(60));
                Thread.sleep(1000);
                assertThat(again.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", again.output()).isZero();
            }
            RemoteLog remote = scenario.remote("main");
            Scenario.assertSameBytes("secret.log", remote.bySource().get(secretLog.toString()).toByteArray(), secret.written());
            assertThat(remote.complete().orElseThrow()).contains("\"lines\":200");
        }
    }

    @Test
    void aDirectoryTheShipperCannotReadHidesNoOtherFileFromADeepGlob() throws Exception {
        // A volume's lost+found is root's alone; a sidecar running as another user cannot list it.
        Path lostAndFound = Files.createDirectories(scenario.logs.resolve("lost+found"));
        Files.writeString(lostAndFound.resolve("recovered.log"), "not for the shipper\n");
        Files.setPosixFilePermissions(lostAndFound, Set.of());
        Path appLog = Files.createDirectories(scenario.logs.resolve("app")).resolve("app.log");
        try (LogWriter app = new LogWriter(appLog, 24);
                ShipperProcess shipper = scenario.startBoundByFileModes("--files", "main=" + scenario.logs + "/**/*.log")) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following " + appLog, Duration.ofSeconds(30));
            app.lines(300, 0, 0);
            Thread.sleep(500);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output()).isZero();
            assertThat(shipper.output()).contains(lostAndFound + " cannot be read");
            RemoteLog remote = scenario.remote("main");
            assertThat(remote.bySource()).containsOnlyKeys(appLog.toString());
            Scenario.assertSameBytes("app/app.log", remote.content(), app.written());
        }
    }

    @Test
    void aSpoolThatCannotBeWrittenStopsTheShipperInsteadOfWaitingLikeAFile() throws Exception {
        try (ShipperProcess shipper = scenario.startBoundByFileModes(); LogWriter app = new LogWriter(scenario.logs.resolve("app.log"), 23)) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following", Duration.ofSeconds(30));
            Files.setPosixFilePermissions(scenario.work.resolve("spool"), PosixFilePermissions.fromString("r-x------"));
            await("the shipper stops", () -> {
                app.lines(10, 0, 0);
                return !shipper.alive();
            });
            assertThat(shipper.waitFor(Duration.ofSeconds(10))).isEqualTo(ExitCode.UNREACHABLE.code());
            assertThat(shipper.output()).contains("writing stream main/0 to the spool failed").doesNotContain("cannot be read");
        }
    }

    @Test
    void manyFilesGoIntoOneStreamAndTheIndexSaysWhichBytesAreWhose() throws Exception {
        List<LogWriter> writers = new ArrayList<>();
        try (ShipperProcess shipper = scenario.start("--files", "main=" + scenario.logs + "/*.log", "--segment-bytes", "16384")) {
            shipper.healthPort(Duration.ofSeconds(60));
            for (int worker = 0; worker < 5; worker++) {
                writers.add(new LogWriter(scenario.logs.resolve("worker-" + worker + ".log"), worker));
            }
            for (int round = 0; round < 200; round++) {
                for (LogWriter writer : writers) {
                    writer.line();
                }
            }
            shipper.awaitOutput("following " + scenario.logs.resolve("worker-4.log"), Duration.ofSeconds(30));
            Thread.sleep(500);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).isZero();
        } finally {
            for (LogWriter writer : writers) {
                writer.close();
            }
        }
        RemoteLog remote = scenario.remote("main");
        assertThat(remote.bySource()).hasSize(5);
        long total = 0;
        for (int worker = 0; worker < 5; worker++) {
            LogWriter writer = writers.get(worker);
            Scenario.assertSameBytes("worker-" + worker + ".log from the index runs",
                    remote.bySource().get(scenario.logs.resolve("worker-" + worker + ".log").toString()).toByteArray(), writer.written());
            total += writer.written().length;
        }
        assertThat((long) remote.content().length).isEqualTo(total);
        assertThat(remote.keys()).hasSizeGreaterThan(5);
    }

    @Test
    void gzipSegmentsToo() throws Exception {
        try (ShipperProcess shipper = scenario.start("--compression", "gzip")) {
            LogWriter writer = scenario.writeRotateAndStop(shipper, 1000);
            scenario.assertShippedExactly(writer);
            assertThat(scenario.remote("main").keys()).allMatch(key -> key.endsWith(".log.gz"));
        }
    }

    @Test
    void configurationErrorsExitAtOnceWithWhatToFix() throws Exception {
        Path termination = dir.resolve("termination-log");
        Map<String, String> env = new java.util.HashMap<>(ShipperProcess.POD);
        env.put("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString());
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--work-dir", dir.resolve("w").toString())).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--files NAME=GLOB");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=relative/*.log")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("must be an absolute path");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=/x/*.log", "--compression", "lz4")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("zstd or gzip");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=/x/*.log", "--metastore-url", "metastore:8080"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("metastore URL must be http(s)");
        assertThat(LogShipper.run(Map.of("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString()), "--storage-uri", "file:///tmp/x", "--files",
                "main=/x/*.log")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("POD_NAMESPACE");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=/x/*.log", "--start-at", "head")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--start-at must be 'beginning' or 'end'");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=/x/*.log", "--rotated-glob", "app[.log"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--rotated-glob 'app[.log' must be a file name pattern");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=/x/*.log", "--sync-interval", "0s"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--sync-interval must be positive");

        // Found only as it starts: storage no backend serves, a work directory it cannot make, a port taken.
        assertThat(LogShipper.run(env, "--storage-uri", "nope://bucket/logs", "--files", "main=/x/*.log", "--work-dir", dir.resolve("w1").toString(),
                "--health-port", "0")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("nope");
        Path aFile = Files.writeString(dir.resolve("a-file"), "");
        assertThat(LogShipper.run(env, "--storage-uri", "file:///tmp/x", "--files", "main=/x/*.log", "--work-dir", aFile.resolve("w").toString()))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Files.readString(termination)).contains("--work-dir " + aFile.resolve("w") + " cannot be used");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(LogShipper.run(env, "--storage-uri", dir.resolve("remote").toUri().toString(), "--files", "main=/x/*.log", "--work-dir",
                    dir.resolve("w2").toString(), "--health-address", "127.0.0.1", "--health-port", Integer.toString(taken.getLocalPort())))
                    .isEqualTo(ExitCode.CONFIG.code());
            assertThat(Files.readString(termination)).contains("(--health-address, --health-port)");
        }
    }

    @Test
    void helpNamesEveryFlagsVariable() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(LogShipper.run(Map.of(), "--help")).isZero();
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("SUBMARINE_STORAGE_URI", "LOG_SHIPPER_FILES", "LOG_SHIPPER_SHUTDOWN_DEADLINE",
                "Exit codes:");
    }

    @Test
    void aShipperStartedAgainGoesOnWhereTheLastStopped() throws Exception {
        LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 11);
        try (writer) {
            writer.lines(500, 0, 0);
            try (ShipperProcess first = scenario.start()) {
                first.healthPort(Duration.ofSeconds(60));
                Thread.sleep(1000);
                assertThat(first.terminate(Duration.ofSeconds(60))).isZero();
            }
            writer.lines(500, 0, 0);
            try (ShipperProcess second = scenario.start()) {
                second.healthPort(Duration.ofSeconds(60));
                Thread.sleep(1000);
                assertThat(second.terminate(Duration.ofSeconds(60))).isZero();
            }
        }
        RemoteLog remote = scenario.remote("main");
        Scenario.assertSameBytes("the remote after two runs", remote.content(), writer.written());
        assertThat(remote.complete().get()).contains("\"lines\":1000");
    }

    @Test
    void aLostCheckpointIsTakenFromStorageBeforeAnythingIsUploaded() throws Exception {
        LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 12);
        try (writer) {
            writer.lines(500, 0, 0);
            try (ShipperProcess first = scenario.start("--segment-bytes", "16384")) {
                first.healthPort(Duration.ofSeconds(60));
                Thread.sleep(1000);
                assertThat(first.terminate(Duration.ofSeconds(60))).isZero();
            }
            // The work directory was not on a volume and the container restarted: no checkpoint.
            Files.delete(scenario.work.resolve("checkpoint.json"));
            writer.lines(500, 0, 0);
            try (ShipperProcess second = scenario.start("--segment-bytes", "16384")) {
                second.healthPort(Duration.ofSeconds(60));
                Thread.sleep(1000);
                assertThat(second.terminate(Duration.ofSeconds(60))).isZero();
                // The listing, not a collision on upload, put it after the first run's segments.
                assertThat(second.output()).contains("already holds segments up to").doesNotContain("committed by an earlier run");
            }
        }
        RemoteLog remote = scenario.remote("main");
        Scenario.assertSameBytes("the remote after a lost checkpoint", remote.content(), writer.written());
        assertThat(remote.complete().get()).contains("\"lines\":1000");
    }
}
