package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.storage.Location;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a model version's manifest may list: each file once, and none where another needs a directory. */
class ModelManifestTest {

    private static final Location VERSION = Location.of("s3://models/resnet/3/");
    private static final String DIGEST = "0".repeat(64);

    private static byte[] manifest(String... paths) {
        StringBuilder files = new StringBuilder();
        for (String path : paths) {
            files.append(files.length() == 0 ? "" : ",").append("{\"path\": \"").append(path).append("\", \"size\": 1, \"sha256\": \"")
                    .append(DIGEST).append("\"}");
        }
        return ("{\"format\": 1, \"files\": [" + files + "]}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void filesInNestedDirectoriesAreListed() throws Exception {
        assertThat(ModelFetcher.parse(manifest("saved_model.pb", "variables/variables.index", "variables/data/0"), VERSION))
                .extracting(ModelFetcher.ManifestFile::path)
                .containsExactly("saved_model.pb", "variables/variables.index", "variables/data/0");
    }

    @Test
    void aPathListedTwiceIsRefused() {
        assertThatThrownBy(() -> ModelFetcher.parse(manifest("a/weights.bin", "b", "a//weights.bin"), VERSION))
                .isInstanceOf(InvalidContentException.class)
                .hasMessageContaining("lists a//weights.bin twice");
    }

    @Test
    void aFileWhereAnotherNeedsADirectoryIsRefused() {
        assertThatThrownBy(() -> ModelFetcher.parse(manifest("variables", "variables/data/0"), VERSION))
                .isInstanceOf(InvalidContentException.class)
                .hasMessageContaining("lists variables as a file and as a directory of variables/data/0");
    }

    @Test
    void aNewerFormatIsRefusedSayingSo() {
        byte[] newer = new String(manifest("saved_model.pb"), StandardCharsets.UTF_8).replace("\"format\": 1", "\"format\": 2").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ModelFetcher.parse(newer, VERSION))
                .isInstanceOf(InvalidContentException.class)
                .hasMessageContaining("is format 2, newer than this localizer reads (format 1)");
    }
}
