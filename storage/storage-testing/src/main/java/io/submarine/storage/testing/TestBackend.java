package io.submarine.storage.testing;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * One backend's real test server, started for a test, with the storage URI and settings a pod
 * would get: a directory (file://), s3proxy and Azurite in their own processes, MiniDFSCluster in
 * this JVM, and for GCS the in-process server of the Cloud Storage JSON API (no emulator installs here).
 * Every backend's data goes in bucket or container {@code logs} under {@code pods}.
 *
 * <p>A module that uses it for HDFS or Azure declares {@code hadoop-client-minicluster} or
 * {@code azure-storage-blob} itself, in test scope: they are optional here.
 */
public record TestBackend(String storageUri, Map<String, String> settings, AutoCloseable server) implements AutoCloseable {

    /** Starts backend {@code name} (file, s3, azure, gcs, hdfs), keeping its data under {@code dir}. */
    public static TestBackend start(String name, Path dir) throws Exception {
        return switch (name) {
            case "file" -> new TestBackend(dir.resolve("remote").toUri().toString(), Map.of(), () -> { });
            case "s3" -> {
                S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3proxy"), "logs");
                Map<String, String> settings = new HashMap<>(S3ProxyServer.credentialFiles(dir.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
                settings.put("s3.endpoint", s3.endpoint());
                yield new TestBackend("s3://logs/pods", settings, s3);
            }
            case "azure" -> {
                ExternalServer azurite = AzuriteServer.start(dir.resolve("azurite"));
                Path key = Files.writeString(dir.resolve("azure-key"), AzuriteServer.KEY);
                new BlobServiceClientBuilder().endpoint(AzuriteServer.endpoint(azurite))
                        .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY)).buildClient()
                        .getBlobContainerClient("logs").create();
                yield new TestBackend("abfss://logs@" + AzuriteServer.ACCOUNT + ".dfs.core.windows.net/pods",
                        Map.of("azure.endpoint", AzuriteServer.endpoint(azurite), "azure.account-key-file", key.toString()), azurite);
            }
            case "gcs" -> {
                GcsJsonApiServer gcs = new GcsJsonApiServer(dir.resolve("gcs"), null);
                gcs.start();
                yield new TestBackend("gs://logs/pods", Map.of("gcs.endpoint", gcs.endpoint(), "gcs.project", "test"), gcs);
            }
            case "hdfs" -> {
                Configuration conf = new Configuration();
                conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
                MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
                cluster.waitActive();
                yield new TestBackend("hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/pods", Map.of(
                        "hdfs.conf.ipc.client.connect.max.retries", "1",
                        "hdfs.conf.dfs.client.block.write.replace-datanode-on-failure.enable", "false"), cluster::shutdown);
            }
            default -> throw new IllegalArgumentException("no test backend " + name);
        };
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.io.IOException("stopping the test server failed", e);
        }
    }
}
