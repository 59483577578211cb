package io.submarine.logshipper;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.AzuriteServer;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.GcsJsonApiServer;
import io.submarine.storage.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same run as {@link LogShipperTest}'s first test (rotations of both kinds, a line over 1 MiB,
 * invalid UTF-8, a last line without newline, SIGTERM) against every other backend's real server:
 * s3proxy and Azurite in their own processes, MiniDFSCluster in this JVM, and for GCS the
 * in-process server of the Cloud Storage JSON API (no emulator installs here).
 */
class BackendsTest {

    private static final int LINES = 1000;

    @TempDir
    Path dir;

    private void shipAndCompare(String storageUri, Map<String, String> settings) throws Exception {
        try (BlobStores store = BlobStores.load(StorageConfig.of(settings))) {
            Scenario scenario = new Scenario(dir, storageUri, settings, store);
            try (ShipperProcess shipper = scenario.start()) {
                LogWriter writer = scenario.writeRotateAndStop(shipper, LINES);
                scenario.assertShippedExactly(writer);
            }
        }
    }

    @Test
    void s3() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3proxy"), "logs")) {
            Map<String, String> settings = new HashMap<>(S3ProxyServer.credentialFiles(dir.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
            settings.put("s3.endpoint", s3.endpoint());
            shipAndCompare("s3://logs/pods", settings);
        }
    }

    @Test
    void azureBlobStorage() throws Exception {
        try (ExternalServer azurite = AzuriteServer.start(dir.resolve("azurite"))) {
            Path key = Files.writeString(dir.resolve("azure-key"), AzuriteServer.KEY);
            new BlobServiceClientBuilder().endpoint(AzuriteServer.endpoint(azurite))
                    .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY)).buildClient()
                    .getBlobContainerClient("logs").create();
            shipAndCompare("abfss://logs@" + AzuriteServer.ACCOUNT + ".dfs.core.windows.net/pods",
                    Map.of("azure.endpoint", AzuriteServer.endpoint(azurite), "azure.account-key-file", key.toString()));
        }
    }

    @Test
    void googleCloudStorage() throws Exception {
        try (GcsJsonApiServer gcs = new GcsJsonApiServer(dir.resolve("gcs"), null)) {
            gcs.start();
            shipAndCompare("gs://logs/pods", Map.of("gcs.endpoint", gcs.endpoint(), "gcs.project", "test"));
        }
    }

    @Test
    void hdfs() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            cluster.waitActive();
            shipAndCompare("hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/pods", Map.of(
                    "hdfs.conf.ipc.client.connect.max.retries", "1",
                    "hdfs.conf.dfs.client.block.write.replace-datanode-on-failure.enable", "false"));
        } finally {
            cluster.shutdown();
        }
    }
}
