package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.submarine.sidecar.lifecycle.ExitCode;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sources on object storage, through the same storage settings a pod gets: S3 (s3proxy in its
 * own process), Azure Blob (Azurite), GCS (the in-process JSON API server; no emulator installs
 * here). HDFS is proven by its own module's contract test and is not repeated here.
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdCompressorOutputStream(bytes))) {
            byte[] content = "print('from s3')\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("trainer/main.py");
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        upload("s3://code/releases/trainer.tar.zst", bytes.toByteArray());
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

    @Test
    void anArchiveOnAzureBlobStorage() throws Exception {
        try (ExternalServer azurite = AzuriteServer.start(work.resolve("azurite"))) {
            Path key = Files.writeString(work.resolve("azure-key"), AzuriteServer.KEY);
            Map<String, String> azure = Map.of("azure.endpoint", AzuriteServer.endpoint(azurite), "azure.account-key-file", key.toString());
            new BlobServiceClientBuilder().endpoint(AzuriteServer.endpoint(azurite))
                    .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY)).buildClient()
                    .getBlobContainerClient("code").create();
            String uri = "abfss://code@" + AzuriteServer.ACCOUNT + ".dfs.core.windows.net/trainer.tar.zst";
            try (BlobStores stores = BlobStores.load(StorageConfig.of(azure))) {
                stores.write(Location.of(uri), new ByteArrayInputStream(tarZst("main.py", "print('from azure')\n")), WriteMode.OVERWRITE);
            }
            Path code = work.resolve("code-azure");
            List<String> args = new ArrayList<>(List.of("--code-root", code.toString(), "--type", "archive", "--url", uri));
            azure.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
            assertThat(Localizer.run(args.toArray(String[]::new))).isZero();
            assertThat(Files.readString(code.resolve("trainer/main.py"))).isEqualTo("print('from azure')\n");
        }
    }

    @Test
    void anArchiveOnGoogleCloudStorage() throws Exception {
        try (GcsJsonApiServer gcs = new GcsJsonApiServer(work.resolve("gcs"), null)) {
            gcs.start();
            Map<String, String> settings = Map.of("gcs.endpoint", gcs.endpoint(), "gcs.project", "test");
            try (BlobStores stores = BlobStores.load(StorageConfig.of(settings))) {
                stores.write(Location.of("gs://code/trainer.tar.zst"), new ByteArrayInputStream(tarZst("main.py", "print('from gcs')\n")),
                        WriteMode.OVERWRITE);
            }
            Path code = work.resolve("code-gcs");
            List<String> args = new ArrayList<>(List.of("--code-root", code.toString(), "--type", "archive", "--url", "gs://code/trainer.tar.zst"));
            settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
            assertThat(Localizer.run(args.toArray(String[]::new))).isZero();
            assertThat(Files.readString(code.resolve("trainer/main.py"))).isEqualTo("print('from gcs')\n");
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
    }
}
