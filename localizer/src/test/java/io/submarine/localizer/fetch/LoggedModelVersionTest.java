package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.localizer.spec.Credentials;
import io.submarine.localizer.spec.Source;
import io.submarine.localizer.spec.SourceType;
import io.submarine.mlflow.artifacts.ArtifactTree;
import io.submarine.mlflow.artifacts.ModelVersions;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model the task logged with MLflow's log_model, committed as a model version by the tracking
 * endpoint (mlflow-artifacts' ModelVersions), is what the {@code model} source reads: every file,
 * each checked against the manifest, the version's revision its manifest's digest.
 */
class LoggedModelVersionTest {

    @TempDir
    Path dir;

    @Test
    void theModelSourceReadsAVersionCommittedFromALoggedModel() throws Exception {
        try (BlobStores store = BlobStores.load(StorageConfig.empty())) {
            Location root = Location.of(dir.resolve("remote").toUri().toString());
            ArtifactTree tree = new ArtifactTree(store, root.resolve("mlflow-artifacts"));
            byte[] weights = new byte[300_000];
            new java.util.Random(7).nextBytes(weights);
            tree.upload("4/models/m-0123/artifacts/MLmodel", new ByteArrayInputStream("flavors: {}\n".getBytes(StandardCharsets.UTF_8)));
            tree.upload("4/models/m-0123/artifacts/data/model.pkl", new ByteArrayInputStream(weights));
            ModelVersions.Committed version = new ModelVersions(store, root.resolve("models"))
                    .commit("adder", tree.root().resolve("4/models/m-0123/artifacts"), "m-0123", Instant.now());

            Path staging = Files.createDirectories(dir.resolve("staging"));
            Source source = new Source("adder", SourceType.MODEL, version.location().uri(), dir.resolve("models/adder"), null, 0, Source.Submodules.OFF,
                    null, null, 0, false, false, Credentials.NONE);
            Fetched fetched = new ModelFetcher(s -> store, 2).fetch(source, staging);

            assertThat(fetched.files()).isEqualTo(2);
            assertThat(fetched.revision()).startsWith("manifest-sha256:");
            assertThat(Files.readAllBytes(staging.resolve("data/model.pkl"))).isEqualTo(weights);
            assertThat(Files.readString(staging.resolve("MLmodel"))).isEqualTo("flavors: {}\n");
        }
    }
}
