package io.submarine.logshipper;

import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import java.nio.file.Path;
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
}
