package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.WriteMode;
import io.submarine.storage.testing.AzuriteServer;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.GcsJsonApiServer;
import io.submarine.storage.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sources on storage, through the same storage settings a pod gets: S3 (s3proxy in its own
 * process), Azure Blob (Azurite), GCS (the in-process JSON API server; no emulator installs
 * here), HDFS (MiniDFSCluster in this JVM) and sftp (Apache MINA sshd's SFTP subsystem in this
 * JVM, its host key checked against a known_hosts file).
 */
class StorageSourcesTest {

    @TempDir
    static Path work;

    private static S3ProxyServer s3;
    private static List<String> settings;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start(work.resolve("s3proxy"), "code");
        Map<String, String> credentials = S3ProxyServer.credentialFiles(work.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
        settings = new ArrayList<>(List.of("--set", "s3.endpoint=" + s3.endpoint()));
        credentials.forEach((key, value) -> settings.addAll(List.of("--set", key + "=" + value)));
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    private static void upload(String uri, byte[] content) throws Exception {
        Map<String, String> config = new java.util.HashMap<>(S3ProxyServer.credentialFiles(work.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
        config.put("s3.endpoint", s3.endpoint());
        try (BlobStores stores = BlobStores.load(StorageConfig.of(config))) {
            stores.write(Location.of(uri), new ByteArrayInputStream(content), WriteMode.OVERWRITE);
        }
    }

    private int localize(Path code, String... args) {
        List<String> all = new ArrayList<>(List.of("--code-root", code.toString(), "--models-root", work.resolve("models").toString()));
        all.addAll(settings);
        all.addAll(List.of(args));
        return Localizer.run(all.toArray(String[]::new));
    }

    @Test
    void aZstdTarballOnS3IsStreamedIntoPlace() throws Exception {
        upload("s3://code/releases/trainer.tar.zst", tarZst("trainer/main.py", "print('from s3')\n"));
        Path code = work.resolve("code-a");
        assertThat(localize(code, "--type", "archive", "--url", "s3://code/releases/trainer.tar.zst", "--strip-components", "1")).isZero();
        assertThat(Files.readString(code.resolve("trainer/main.py"))).isEqualTo("print('from s3')\n");
    }

    private static byte[] tarZst(String name, String content) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdCompressorOutputStream(bytes))) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(data.length);
            tar.putArchiveEntry(entry);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /**
     * Writes a tar.zst holding main.py to {@code uri} through the storage library, localizes it
     * with {@code storage} as --set flags into code-{@code name}, and checks main.py arrived.
     */
    private static void assertArchiveLocalizedFrom(String name, String uri, Map<String, String> storage) throws Exception {
        String content = "print('from " + name + "')\n";
        try (BlobStores stores = BlobStores.load(StorageConfig.of(storage))) {
            stores.write(Location.of(uri), new ByteArrayInputStream(tarZst("main.py", content)), WriteMode.OVERWRITE);
        }
        Path code = work.resolve("code-" + name);
        List<String> args = new ArrayList<>(List.of("--code-root", code.toString(), "--type", "archive", "--url", uri));
        storage.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        assertThat(Localizer.run(args.toArray(String[]::new))).isZero();
        assertThat(Files.readString(code.resolve("trainer/main.py"))).isEqualTo(content);
    }

    @Test
    void anArchiveOnAzureBlobStorage() throws Exception {
        try (ExternalServer azurite = AzuriteServer.start(work.resolve("azurite"))) {
            Path key = Files.writeString(work.resolve("azure-key"), AzuriteServer.KEY);
            Map<String, String> azure = Map.of("azure.endpoint", AzuriteServer.endpoint(azurite), "azure.account-key-file", key.toString());
            new BlobServiceClientBuilder().endpoint(AzuriteServer.endpoint(azurite))
                    .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY)).buildClient()
                    .getBlobContainerClient("code").create();
            assertArchiveLocalizedFrom("azure", "abfss://code@" + AzuriteServer.ACCOUNT + ".dfs.core.windows.net/trainer.tar.zst", azure);
        }
    }

    @Test
    void anArchiveOnGoogleCloudStorage() throws Exception {
        try (GcsJsonApiServer gcs = new GcsJsonApiServer(work.resolve("gcs"), null)) {
            gcs.start();
            assertArchiveLocalizedFrom("gcs", "gs://code/trainer.tar.zst", Map.of("gcs.endpoint", gcs.endpoint(), "gcs.project", "test"));
        }
    }

    @Test
    void anArchiveOnHdfs() throws Exception {
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            assertArchiveLocalizedFrom("hdfs", "hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/code/trainer.tar.zst",
                    Map.of("hdfs.user", System.getProperty("user.name"), "hdfs.conf.ipc.client.connect.max.retries", "1"));
        } finally {
            cluster.shutdown();
        }
    }

    @Test
    void anArchiveOverSftpWithTheHostKeyChecked() throws Exception {
        Path root = Files.createDirectories(work.resolve("sftp-root/releases"));
        Files.write(root.resolve("trainer.tar.zst"), tarZst("main.py", "print('over sftp')\n"));
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(work.resolve("sftp-host-key"));
        sshd.setKeyPairProvider(hostKeys);
        sshd.setPasswordAuthenticator((user, password, session) -> "ci".equals(user) && "sftp-secret-31".equals(password));
        sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        sshd.setFileSystemFactory(new VirtualFileSystemFactory(work.resolve("sftp-root")));
        sshd.start();
        try {
            java.security.PublicKey hostKey = hostKeys.loadKeys(null).iterator().next().getPublic();
            Path knownHosts = Files.writeString(work.resolve("sftp-known-hosts"), "[127.0.0.1]:" + sshd.getPort() + " " + PublicKeyEntry.toString(hostKey) + "\n");
            Path password = Files.writeString(work.resolve("sftp-password"), "sftp-secret-31\n");
            Path code = work.resolve("code-sftp");
            int exit = Localizer.run("--code-root", code.toString(), "--type", "archive", "--url", "sftp://127.0.0.1:" + sshd.getPort() + "/releases/trainer.tar.zst",
                    "--set", "vfs.user=ci", "--set", "vfs.password-file=" + password, "--set", "vfs.sftp-known-hosts=" + knownHosts);
            assertThat(exit).isZero();
            assertThat(Files.readString(code.resolve("trainer/main.py"))).isEqualTo("print('over sftp')\n");
            assertThat(Files.readString(code.resolve(".localized.json"))).doesNotContain("sftp-secret-31");
            assertThat(Redactor.global().redact("auth failed for sftp-secret-31")).as("masked in every log line").doesNotContain("sftp-secret-31");
        } finally {
            sshd.stop(true);
        }
    }

    /** DESIGN.md's remote layout: the pod's directory holds code/localized.json, the same record as the code root's. */
    @Test
    void theRecordIsWrittenToThePodsDirectoryOnS3() throws Exception {
        upload("s3://code/releases/record.tar.zst", tarZst("trainer/main.py", "print('recorded')\n"));
        Path code = work.resolve("code-record");
        Map<String, String> pod = new java.util.HashMap<>(System.getenv());
        pod.putAll(Map.of("POD_NAMESPACE", "team-a", "POD_NAME", "trainer-0", "POD_UID", "uid-7", "SUBMARINE_OWNER_KIND", "experiment",
                "SUBMARINE_OWNER_NAME", "resnet", "SUBMARINE_STORAGE_URI", "s3://code/pods"));
        List<String> args = new ArrayList<>(List.of("--code-root", code.toString(), "--type", "archive", "--url", "s3://code/releases/record.tar.zst",
                "--require-report"));
        args.addAll(settings);
        assertThat(Localizer.run(pod, args.toArray(String[]::new))).isZero();

        Map<String, String> config = new java.util.HashMap<>(S3ProxyServer.credentialFiles(work.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
        config.put("s3.endpoint", s3.endpoint());
        try (BlobStores stores = BlobStores.load(StorageConfig.of(config));
                java.io.InputStream remote = stores.open(Location.of("s3://code/pods/team-a/experiment/resnet/trainer-0/uid-7/code/localized.json"))) {
            assertThat(new String(remote.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(Files.readString(code.resolve(".localized.json")))
                    .contains("s3://code/releases/record.tar.zst");
        }
    }

    @Test
    void storageErrorsMapToTheirExitCodes() throws Exception {
        Path code = work.resolve("code-b");
        assertThat(localize(code, "--type", "archive", "--url", "s3://code/missing.tar.gz")).isEqualTo(ExitCode.CONFIG.code());
        Path wrongSecret = Files.writeString(work.resolve("wrong-secret"), "nope-nope-nope");
        assertThat(localize(code, "--type", "archive", "--url", "s3://code/missing.tar.gz", "--set", "s3.secret-access-key-file=" + wrongSecret))
                .isEqualTo(ExitCode.AUTH.code());
        assertThat(code.resolve("missing")).doesNotExist();
        assertThat(Redactor.global().redact("signed with nope-nope-nope")).as("masked in every log line").doesNotContain("nope-nope-nope");
    }
}
