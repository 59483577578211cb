package io.submarine.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.testing.AzuriteServer;
import io.submarine.storage.testing.BlobStoreContractTest;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.ServerControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** abfs:// against Azurite, a real Azure Blob endpoint in its own process (see {@link AzuriteServer}). */
class AzureBlobStoreContractTest extends BlobStoreContractTest {

    private static final String CONTAINER = "contract";
    private static final int BLOCK_SIZE = 1 << 20;
    private static final int PAGE_SIZE = 4;
    private static final String WRONG_KEY = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ==";

    @TempDir
    static Path work;

    private static ExternalServer azurite;
    private static BlobStore store;
    private static BlobStore wrongStore;

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = AzuriteServer.start(work.resolve("azurite"));
        createContainer();
        store = storeWithKey(AzuriteServer.KEY, "right");
        wrongStore = storeWithKey(WRONG_KEY, "wrong");
    }

    private static void createContainer() {
        BlobServiceClient admin = new BlobServiceClientBuilder().endpoint(AzuriteServer.endpoint(azurite))
                .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY)).buildClient();
        admin.getBlobContainerClient(CONTAINER).createIfNotExists();
    }

    private static BlobStore storeWithKey(String key, String name) throws Exception {
        Path keyFile = Files.writeString(work.resolve(name + ".key"), key);
        return new AzureBlobStoreProvider().create(StorageConfig.of(Map.of(
                "azure.endpoint", AzuriteServer.endpoint(azurite),
                "azure.account-key-file", keyFile.toString(),
                "azure.block-size", Integer.toString(BLOCK_SIZE),
                "azure.list-page-size", Integer.toString(PAGE_SIZE),
                // Fail fast while the test has killed the server; our own retries are tested elsewhere.
                "azure.max-tries", "1")));
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (store != null) {
            store.close();
            wrongStore.close();
        }
        if (azurite != null) {
            azurite.close();
        }
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected Location root() {
        return Location.of("abfss://" + CONTAINER + "@" + AzuriteServer.ACCOUNT + ".dfs.core.windows.net/contract/");
    }

    @Override
    protected long partSize() {
        return BLOCK_SIZE;
    }

    @Override
    protected int listPageSize() {
        return PAGE_SIZE;
    }

    @Override
    protected Optional<ServerControl> serverControl() {
        return Optional.of(new ServerControl() {
            @Override
            public void kill() throws Exception {
                azurite.kill();
            }

            @Override
            public void start() throws Exception {
                azurite.start();
                // Azurite saves its metadata every few seconds; a crash may lose the container.
                createContainer();
            }
        });
    }

    @Override
    protected Optional<WrongCredentials> wrongCredentials() {
        return Optional.of(new WrongCredentials(wrongStore, WRONG_KEY));
    }

    @Test
    void blobEndpointUrlsNameTheSameObjects() throws Exception {
        Location abfs = at("spelled-twice");
        write(abfs, new byte[] {1, 2, 3}, io.submarine.storage.WriteMode.OVERWRITE);
        AzureLocation fromAbfs = AzureLocation.of(abfs);
        AzureLocation fromHttps = AzureLocation.of(Location.of("https://" + AzuriteServer.ACCOUNT + ".blob.core.windows.net/" + CONTAINER + "/" + abfs.path()));
        assertThat(fromHttps).isEqualTo(fromAbfs);
    }

    @Test
    void aConnectionStringOrASasTokenFromAFileWorksToo() throws Exception {
        String connectionString = "DefaultEndpointsProtocol=http;AccountName=" + AzuriteServer.ACCOUNT + ";AccountKey=" + AzuriteServer.KEY
                + ";BlobEndpoint=" + AzuriteServer.endpoint(azurite) + ";";
        Path connectionFile = Files.writeString(work.resolve("connection-string"), connectionString);
        BlobServiceClient admin = new BlobServiceClientBuilder().endpoint(AzuriteServer.endpoint(azurite))
                .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY)).buildClient();
        String sas = admin.generateAccountSas(new com.azure.storage.common.sas.AccountSasSignatureValues(
                java.time.OffsetDateTime.now().plusHours(1),
                com.azure.storage.common.sas.AccountSasPermission.parse("rwdlc"),
                new com.azure.storage.common.sas.AccountSasService().setBlobAccess(true),
                new com.azure.storage.common.sas.AccountSasResourceType().setContainer(true).setObject(true)));
        Path sasFile = Files.writeString(work.resolve("sas"), "?" + sas);
        Map<String, Path> credentials = Map.of("azure.connection-string-file", connectionFile, "azure.sas-token-file", sasFile);
        for (Map.Entry<String, Path> credential : credentials.entrySet()) {
            Map<String, String> settings = new java.util.HashMap<>(Map.of(credential.getKey(), credential.getValue().toString()));
            if (!credential.getKey().equals("azure.connection-string-file")) {
                settings.put("azure.endpoint", AzuriteServer.endpoint(azurite));
            }
            try (BlobStore other = new AzureBlobStoreProvider().create(StorageConfig.of(settings))) {
                Location location = at(credential.getKey());
                other.write(location, new java.io.ByteArrayInputStream(new byte[] {4, 2}), io.submarine.storage.WriteMode.CREATE_IF_ABSENT);
                assertThat(readAll(store.open(location))).as(credential.getKey()).containsExactly(4, 2);
            }
        }
    }

    @Test
    void credentialsMustBeExactlyOneFile() {
        assertThatThrownBy(() -> new AzureBlobStoreProvider().create(StorageConfig.empty()))
                .isInstanceOf(StorageConfigException.class)
                .hasMessageContaining("azure.account-key-file");
    }
}
