package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.S3ProxyServer;
import io.submarine.storage.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same run as {@link LogShipperTest}'s first test (rotations of both kinds, a line over 1 MiB,
 * invalid UTF-8, a last line without newline, SIGTERM) against every other backend's real test
 * server (see {@link TestBackend}).
 */
class BackendsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"s3", "azure", "gcs", "hdfs"})
    void rotationsArriveByteForByte(String backend) throws Exception {
        try (TestBackend server = TestBackend.start(backend, dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Scenario scenario = new Scenario(dir, server.storageUri(), server.settings(), store);
            try (ShipperProcess shipper = scenario.start()) {
                LogWriter writer = scenario.writeRotateAndStop(shipper, 1000);
                scenario.assertShippedExactly(writer);
            }
        }
    }

    /** The listing runs beside the first reads now; storage refusing it still ends the program with the exit code for it. */
    @Test
    void storageRefusingTheCredentialsEndsTheShipperWithExitCodeFour() throws Exception {
        try (TestBackend server = TestBackend.start("s3", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            Map<String, String> wrong = new HashMap<>(server.settings());
            wrong.putAll(S3ProxyServer.credentialFiles(dir.resolve("wrong"), S3ProxyServer.IDENTITY, "not-the-secret-5b1e"));
            Scenario scenario = new Scenario(dir, server.storageUri(), wrong, store);
            try (LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 5)) {
                writer.lines(200, 0, 0);
            }
            try (ShipperProcess shipper = scenario.start()) {
                assertThat(shipper.waitFor(Duration.ofSeconds(60))).as("exit code; output:%n%s", shipper.output()).isEqualTo(ExitCode.AUTH.code());
                assertThat(shipper.output()).contains("check the credentials").doesNotContain("not-the-secret-5b1e");
            }
            assertThat(Files.readString(dir.resolve("termination-log"))).contains("check the credentials");
        }
    }
}
