package io.submarine.storage.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.apache.commons.vfs2.FileSystemException;
import org.junit.jupiter.api.Test;

/** How a VFS failure is classified: by what its messages say, never by the URL they quote. */
class VfsFailureTest {

    private static final String URL = "sftp://ci@127.0.0.1:4030/releases/auth/not-found-yet/model.tar.gz";

    @Test
    void aTimeoutIsTransientWhateverThePathSays() {
        FileSystemException e = new FileSystemException("Could not read \"" + URL + "\"", new SocketTimeoutException("Read timed out"));
        assertThat(VfsBlobStore.classify(Location.of(URL), e)).isInstanceOf(BlobTransientException.class);
    }

    @Test
    void refusedCredentialsAndMissingFilesAreStillKnown() {
        assertThat(VfsBlobStore.classify(Location.of(URL), new FileSystemException("Could not connect to \"" + URL + "\"", new IOException("Auth fail"))))
                .isInstanceOf(BlobAccessDeniedException.class);
        assertThat(VfsBlobStore.classify(Location.of(URL), new FileSystemException("Could not read \"" + URL + "\"", new IOException("No such file"))))
                .isInstanceOf(BlobNotFoundException.class);
    }
}
