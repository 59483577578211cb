package io.submarine.mlflow.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.TestBackend;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tree on a hierarchical store (file://) and on a flat one (S3, s3proxy), where a directory is
 * only a key prefix: the same listings, reads, replacements and deletions on both.
 */
class ArtifactTreeTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"file", "s3"})
    void filesGoInListOneLevelAtATimeAndComeBackOut(String backend) throws Exception {
        try (TestBackend server = TestBackend.start(backend, dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()))) {
            ArtifactTree tree = new ArtifactTree(store, Location.of(server.storageUri()).asDirectory().resolve("mlflow-artifacts"));
            String run = "1/0123456789abcdef0123456789abcdef/artifacts";
            tree.upload(run + "/model/MLmodel", text("flavors: {}"));
            tree.upload(run + "/model/data/weights.bin", new ByteArrayInputStream(new byte[5000]));
            tree.upload(run + "/notes.txt", text("first"));
            tree.upload(run + "/notes.txt", text("second, longer"));

            assertThat(tree.list(run)).containsExactly(new ArtifactTree.Entry("model", true, -1), new ArtifactTree.Entry("notes.txt", false, 14));
            assertThat(tree.list(run + "/model/")).containsExactly(new ArtifactTree.Entry("MLmodel", false, 11), new ArtifactTree.Entry("data", true, -1));
            assertThat(tree.list("")).containsExactly(new ArtifactTree.Entry("1", true, -1));
            assertThat(tree.list(run + "/notes.txt")).as("a file lists nothing").isEmpty();
            assertThat(tree.list("2")).as("a missing directory lists nothing").isEmpty();
            try (InputStream in = tree.open(run + "/notes.txt")) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("second, longer");
            }
            assertThat(tree.stat(run + "/model/data/weights.bin").size()).isEqualTo(5000);
            assertThatThrownBy(() -> tree.stat(run + "/model")).isInstanceOf(ArtifactTree.IsADirectory.class);
            assertThatThrownBy(() -> tree.stat(run + "/missing")).isInstanceOf(BlobNotFoundException.class);

            tree.delete(run + "/model");
            assertThat(tree.list(run)).containsExactly(new ArtifactTree.Entry("notes.txt", false, 14));
            tree.delete(run + "/notes.txt");
            assertThat(tree.list(run)).isEmpty();
        }
    }

    @Test
    void pathsAreCheckedAsMlflowsServerChecksThem() {
        assertThat(ArtifactTree.checked("1/abc/artifacts/")).isEqualTo("1/abc/artifacts");
        assertThat(ArtifactTree.checked(null)).isEmpty();
        for (String bad : new String[] {"../x", "a/../b", "/etc/passwd", "a//b", "a/./b", "a#b", "a\\b", "C:/x"}) {
            assertThatThrownBy(() -> ArtifactTree.checked(bad)).as(bad).isInstanceOf(ArtifactTree.InvalidPath.class).hasMessageContaining("Invalid path");
        }
    }

    @Test
    void aUrlPathIsDecodedAsAPathNotAsAQuery() {
        assertThat(ArtifactTree.fromUrlPath("plots/loss%20curve+v2.txt")).isEqualTo("plots/loss curve+v2.txt");
        assertThat(ArtifactTree.fromUrlPath("%C3%A9t%C3%A9/100%")).isEqualTo("\u00e9t\u00e9/100%");
        assertThat(ArtifactTree.fromUrlPath("a%2F..%2Fb")).as("decoded first, so the check sees the '..'").isEqualTo("a/../b");
    }

    private static InputStream text(String content) {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
    }
}
