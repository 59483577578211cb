package io.submarine.metastore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetastoreEndpointTest {

    @TempDir
    Path dir;

    @Test
    void theTokenIsReadFromItsFileTrimmed() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "  reporter-token-1\n");
        MetastoreEndpoint endpoint = MetastoreEndpoint.of(URI.create("https://metastore:8443"), file);
        assertThat(endpoint.token()).contains("reporter-token-1");
        assertThat(MetastoreEndpoint.of(URI.create("http://metastore:8080"), null).token()).isEmpty();
    }

    @Test
    void whatToFixIsSaidAndTheTokenIsNot() throws Exception {
        assertThatThrownBy(() -> MetastoreEndpoint.of(URI.create("metastore:8080"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)://host").hasMessageContaining("metastore:8080");
        assertThatThrownBy(() -> MetastoreEndpoint.of(URI.create("ftp://metastore"), null)).hasMessageContaining("http(s)");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> MetastoreEndpoint.of(URI.create("http://metastore"), missing))
                .hasMessageContaining(missing.toString()).hasMessageContaining("cannot be read");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> MetastoreEndpoint.of(URI.create("http://metastore"), empty)).hasMessageContaining("is empty");
    }
}
