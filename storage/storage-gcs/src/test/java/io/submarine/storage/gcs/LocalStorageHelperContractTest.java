package io.submarine.storage.gcs;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.BlobStoreContractTest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * gs:// against Google's own fake, {@code LocalStorageHelper} from google-cloud-nio, which works
 * below the HTTP layer and lacks several GCS behaviours (listed in {@code FAKE_GAPS}); the full
 * contract runs against {@code GcsJsonApiServer} in {@link GcsBlobStoreContractTest}. Set {@code GCS_EMULATOR_ENDPOINT} (e.g. a fake-gcs-server at
 * http://127.0.0.1:4443, bucket "contract" created) and the same contract runs against it.
 */
class LocalStorageHelperContractTest extends BlobStoreContractTest {

    private static final int PAGE_SIZE = 4;
    /** What LocalStorageHelper's FakeStorageRpc does differently from GCS (google-cloud-nio 0.128.x). */
    private static final Map<String, String> FAKE_GAPS = Map.of(
            "nothingIsVisibleBeforeCloseOrAfterAbort", "the fake publishes each uploaded chunk at once; GCS creates the object only when the upload finalizes",
            "aFailingSourceLeavesNoObject", "the fake publishes each uploaded chunk at once; GCS creates the object only when the upload finalizes",
            "createIfAbsentRefusesAnExistingObjectAndKeepsIt", "the fake ignores ifGenerationMatch=0 on resumable uploads",
            "racingCreateIfAbsentHasExactlyOneWinner", "the fake ignores ifGenerationMatch=0 on resumable uploads",
            "composeConcatenatesOnTheServer", "the fake's compose does not honour the target's ifGenerationMatch=0",
            "deleteRemovesAndToleratesAbsence", "the fake does not implement batch requests (Storage.delete(Iterable))");
    /**
     * Held (JUL keeps loggers weakly) and quietened: the fake builds a Google API client without an
     * application name on every call, and each one warned about it in the build's output.
     */
    private static final java.util.logging.Logger GOOGLE_CLIENT = java.util.logging.Logger.getLogger(
            "com.google.api.client.googleapis.services.AbstractGoogleClient");
    private static BlobStore store;
    private static boolean emulator;

    @BeforeAll
    static void createStore() throws IOException {
        String endpoint = System.getenv("GCS_EMULATOR_ENDPOINT");
        emulator = endpoint != null && !endpoint.isBlank();
        GOOGLE_CLIENT.setLevel(java.util.logging.Level.SEVERE);
        store = emulator
                ? new GcsBlobStoreProvider().create(StorageConfig.of(Map.of(
                        "gcs.endpoint", endpoint, "gcs.project", "test", "gcs.list-page-size", Integer.toString(PAGE_SIZE))))
                : new GcsBlobStore(LocalStorageHelper.getOptions().getService(), 256 << 10, 1000);
    }

    @AfterAll
    static void closeStore() throws IOException {
        store.close();
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
    protected int listPageSize() {
        // The fake returns only the first page of a paged listing; unpaged listing works.
        return emulator ? PAGE_SIZE : 0;
    }

    @Override
    protected Map<String, String> knownGaps() {
        return emulator ? Map.of() : FAKE_GAPS;
    }

    @Override
    protected List<String> awkwardNames() {
        // The fake's mock HTTP transport cuts object names out of URLs with a regex that stops at
        // '?' and '#', and URL-decodes them once more, so '%' escapes turn into other names.
        return emulator ? super.awkwardNames()
                : super.awkwardNames().stream().filter(n -> n.indexOf('?') < 0 && n.indexOf('#') < 0 && n.indexOf('%') < 0).toList();
    }

    @Override
    protected boolean supportsLargeObjects() {
        // The fake keeps objects in this JVM's heap; an emulator keeps them outside.
        return emulator;
    }
}
