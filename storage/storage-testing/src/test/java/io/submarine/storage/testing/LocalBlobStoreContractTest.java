package io.submarine.storage.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import io.submarine.storage.local.LocalBlobStoreProvider;
import io.submarine.storage.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * file:// on the real local file system. Wrong credentials don't apply (and the tests run as
 * root here, which no file permission stops), and there is no server to kill.
 */
class LocalBlobStoreContractTest extends BlobStoreContractTest {

    @TempDir
    static Path directory;

    private static BlobStore store;

    @BeforeAll
    static void createStore() {
        store = new LocalBlobStoreProvider().create(StorageConfig.empty());
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
        return Location.of("file://" + directory.toAbsolutePath() + "/");
    }

    @Test
    void writesLeaveNoStagingFilesBehind() throws IOException {
        write(at("x/y"), new byte[] {1}, WriteMode.OVERWRITE);
        store.create(at("x/z"), WriteMode.OVERWRITE).abort();
        try (Stream<Path> files = Files.walk(directory)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .allSatisfy(name -> assertThat(name).doesNotStartWith(".submarine-staging-"));
        }
    }
}
