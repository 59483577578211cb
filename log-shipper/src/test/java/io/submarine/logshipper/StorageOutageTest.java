package io.submarine.logshipper;

import static io.submarine.logshipper.ShipperProcess.await;
import static io.submarine.logshipper.ShipperProcess.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3 (s3proxy in its own process) goes away while the task logs: nothing is dropped, and shutdown says what it could not do. */
class StorageOutageTest {

    @TempDir
    Path dir;

    private S3ProxyServer s3;
    private BlobStores store;
    private Scenario scenario;

    @BeforeEach
    void setUp() throws Exception {
        s3 = S3ProxyServer.start(dir.resolve("s3proxy"), "logs");
        Map<String, String> settings = new HashMap<>(S3ProxyServer.credentialFiles(dir.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
        settings.put("s3.endpoint", s3.endpoint());
        // Fail fast while s3proxy is down: the shipper's own backoff does the waiting.
        settings.put("retry.max-attempts", "1");
        store = BlobStores.load(StorageConfig.of(settings));
        scenario = new Scenario(dir, "s3://logs/pods", settings, store);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        s3.close();
    }

    @Test
    void storageDownForAWhileReadingWaitsAndTheShipperCatchesUp() throws Exception {
        try (ShipperProcess shipper = scenario.start("--segment-bytes", "4096", "--spool-limit", "8192", "--segment-age", "PT0.2S");
                LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 5)) {
            int port = shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following", Duration.ofSeconds(30));
            writer.lines(300, 0, 500);
            s3.control().kill();
            writer.lines(600, 0, 500);
            await("uploads fail", () -> metric(port, "logshipper_upload_errors_total") > 0);
            await("the spool is full and reading waits", () -> metric(port, "logshipper_spool_full") == 1.0);
            assertThat(metric(port, "logshipper_spool_bytes")).isGreaterThanOrEqualTo(8192);
            assertThat(metric(port, "logshipper_lag_seconds")).isGreaterThan(0);
            s3.control().start();
            writer.lines(300, 0, 500);
            await("the shipper catches up", () -> metric(port, "logshipper_shipped_lines_total") >= writer.linesWritten());
            assertThat(metric(port, "logshipper_spool_full")).isZero();
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:%n%s", shipper.output()).isZero();
            RemoteLog remote = scenario.remote("main");
            Scenario.assertSameBytes("the remote after the outage", remote.content(), writer.written());
            assertThat(remote.complete()).isPresent();
        }
    }

    @Test
    void sigtermWithALargeBacklogShipsEverythingInsideTheDeadline() throws Exception {
        try (ShipperProcess shipper = scenario.start("--shutdown-deadline", "PT60S");
                LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 9)) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following", Duration.ofSeconds(30));
            s3.control().kill();
            writer.lines(40_000, 0, 0);
            s3.control().start();
            long started = System.nanoTime();
            assertThat(shipper.terminate(Duration.ofSeconds(90))).as("exit code; output:%n%s", shipper.output()).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
            RemoteLog remote = scenario.remote("main");
            Scenario.assertSameBytes("the remote after SIGTERM with a backlog", remote.content(), writer.written());
            assertThat(remote.complete().orElseThrow()).contains("\"lines\":40000");
        }
    }

    @Test
    void aDeadlineTooShortIsReportedAndNothingIsLost() throws Exception {
        LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 13);
        try (writer; ShipperProcess shipper = scenario.start("--shutdown-deadline", "PT2S", "--segment-bytes", "65536")) {
            shipper.healthPort(Duration.ofSeconds(60));
            shipper.awaitOutput("following", Duration.ofSeconds(30));
            s3.control().kill();
            writer.lines(3000, 0, 0);
            Thread.sleep(500);
            assertThat(shipper.terminate(Duration.ofSeconds(30))).as("exit code; output:%n%s", shipper.output()).isEqualTo(ExitCode.DEADLINE.code());
            String message = Files.readString(scenario.termination);
            assertThat(message).contains("shutdown deadline", "not uploaded", "spool", "read again from the sources on the next start", "_COMPLETE not written");
        }
        s3.control().start();
        assertThat(scenario.remote("main").complete()).isEmpty();
        try (ShipperProcess again = scenario.start()) {
            again.healthPort(Duration.ofSeconds(60));
            Thread.sleep(1500);
            assertThat(again.terminate(Duration.ofSeconds(60))).isZero();
        }
        Scenario.assertSameBytes("the remote after the next start", scenario.remote("main").content(), writer.written());
    }
}
