package io.submarine.storage.gcs;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.testing.BlobStoreContractTest;
import io.submarine.storage.testing.GcsJsonApiServer;
import io.submarine.storage.testing.ServerControl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Date;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * gs:// through the real Google Cloud Storage client and its HTTP transport, against
 * {@link GcsJsonApiServer}, a faithful in-process server of the JSON API: no GCS emulator can
 * be installed here. The whole contract runs, including the 1 GiB object, racing
 * create-if-absent, a server dying mid-upload and a refused token.
 */
class GcsBlobStoreContractTest extends BlobStoreContractTest {

    private static final int CHUNK = 256 << 10;
    private static final int PAGE_SIZE = 4;
    private static final String TOKEN = "ya29.good-token-for-tests";
    private static final String WRONG_TOKEN = "ya29.wrong-token-0042";

    @TempDir
    static Path work;

    private static GcsJsonApiServer server;
    private static BlobStore store;
    private static BlobStore wrongStore;

    @BeforeAll
    static void startServer() throws Exception {
        server = new GcsJsonApiServer(work.resolve("gcs"), TOKEN);
        server.start();
        store = new GcsBlobStore(client(TOKEN), CHUNK, PAGE_SIZE);
        wrongStore = new GcsBlobStore(client(WRONG_TOKEN), CHUNK, PAGE_SIZE);
    }

    private static Storage client(String token) {
        return StorageOptions.newBuilder().setHost(server.endpoint()).setProjectId("test")
                .setCredentials(GoogleCredentials.create(new AccessToken(token, new Date(System.currentTimeMillis() + 3_600_000))))
                // Fail fast while a test has killed the server; our own retries are tested in storage-api.
                .setRetrySettings(ServiceOptions.getNoRetrySettings())
                .build().getService();
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (store != null) {
            store.close();
            wrongStore.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected Location root() {
        return Location.of("gs://contract/contract/");
    }

    @Override
    protected long partSize() {
        return CHUNK;
    }

    @Override
    protected int listPageSize() {
        return PAGE_SIZE;
    }

    @Override
    protected Optional<ServerControl> serverControl() {
        return Optional.of(server);
    }

    @Override
    protected Optional<WrongCredentials> wrongCredentials() {
        return Optional.of(new WrongCredentials(wrongStore, WRONG_TOKEN));
    }
}
