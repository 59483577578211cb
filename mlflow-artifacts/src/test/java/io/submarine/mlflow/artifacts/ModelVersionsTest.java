package io.submarine.mlflow.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A logged model's files become numbered versions with their manifest last; a retried commit is the same version. */
class ModelVersionsTest {

    @TempDir
    Path dir;

    @Test
    void eachModelGetsVersionsInTurnAndARetryIsTheSameVersion() throws Exception {
        try (BlobStores store = BlobStores.load(StorageConfig.empty())) {
            Location root = Location.of(dir.toUri().toString());
            ArtifactTree tree = new ArtifactTree(store, root.resolve("mlflow-artifacts"));
            tree.upload("1/models/m-a/artifacts/MLmodel", text("flavors: {}"));
            tree.upload("1/models/m-a/artifacts/data/model.pkl", text("weights"));
            tree.upload("1/models/m-b/artifacts/MLmodel", text("flavors: {python_function: {}}"));
            ModelVersions versions = new ModelVersions(store, root.resolve("models"));
            Instant now = Instant.parse("2026-12-08T00:00:00Z");

            ModelVersions.Committed first = versions.commit("adder", tree.root().resolve("1/models/m-a/artifacts"), "m-a", now);
            assertThat(first.version()).isEqualTo(1);
            assertThat(first.files()).isEqualTo(2);
            assertThat(versions.commit("adder", tree.root().resolve("1/models/m-a/artifacts"), "m-a", now)).as("a retried commit").isEqualTo(first);
            ModelVersions.Committed second = versions.commit("adder", tree.root().resolve("1/models/m-b/artifacts"), "m-b", now);
            assertThat(second.version()).isEqualTo(2);

            JsonNode manifest;
            try (InputStream in = store.open(root.resolve("models/adder/1/_MANIFEST.json"))) {
                manifest = new ObjectMapper().readTree(in);
            }
            assertThat(manifest.path("format").asInt()).isEqualTo(1);
            assertThat(manifest.path("model").asText()).isEqualTo("adder");
            assertThat(manifest.path("version").asText()).isEqualTo("1");
            for (JsonNode file : manifest.path("files")) {
                byte[] content;
                try (InputStream in = store.open(root.resolve("models/adder/1/" + file.path("path").asText()))) {
                    content = in.readAllBytes();
                }
                assertThat(file.path("size").asLong()).isEqualTo(content.length);
                assertThat(file.path("sha256").asText()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
            }
            assertThat(manifest.path("files").findValuesAsText("path")).containsExactlyInAnyOrder("MLmodel", "data/model.pkl");
            assertThatThrownBy(() -> versions.commit("a/b", tree.root().resolve("1/models/m-a/artifacts"), "m-a", now))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one path segment");
        }
    }

    private static InputStream text(String content) {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
    }
}
