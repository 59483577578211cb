package io.submarine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LocationTest {

    @Test
    void parsesEveryBackendsForm() {
        assertThat(Location.of("s3://bucket/a/b.txt")).isEqualTo(new Location("s3", "bucket", "a/b.txt"));
        assertThat(Location.of("file:///tmp/x")).isEqualTo(new Location("file", "", "tmp/x"));
        assertThat(Location.of("file:/tmp/x")).isEqualTo(new Location("file", "", "tmp/x"));
        assertThat(Location.of("hdfs://nn:8020/")).isEqualTo(new Location("hdfs", "nn:8020", ""));
        assertThat(Location.of("abfss://c@acct.dfs.core.windows.net/p")).isEqualTo(new Location("abfss", "c@acct.dfs.core.windows.net", "p"));
        assertThat(Location.of("GS://bucket").scheme()).isEqualTo("gs");
    }

    @Test
    void keepsKeysLiterally() {
        Location awkward = Location.of("s3://b/a b/ü?x#y%20");
        assertThat(awkward.path()).isEqualTo("a b/ü?x#y%20");
        assertThat(awkward.uri()).isEqualTo("s3://b/a b/ü?x#y%20");
    }

    @Test
    void resolvesNavigatesAndContains() {
        Location dir = Location.of("s3://b/models/");
        assertThat(dir.resolve("m/1/model.onnx")).isEqualTo(Location.of("s3://b/models/m/1/model.onnx"));
        assertThat(Location.of("s3://b/models").resolve("x")).isEqualTo(Location.of("s3://b/models/x"));
        assertThat(Location.of("s3://b/models/m/1").fileName()).isEqualTo("1");
        assertThat(Location.of("s3://b/models/m/1/").parent()).isEqualTo(Location.of("s3://b/models/m"));
        assertThat(dir.contains(Location.of("s3://b/models/a"))).isTrue();
        assertThat(dir.contains(Location.of("s3://b/models-other/a"))).isFalse();
        assertThat(dir.contains(dir)).isFalse();
    }

    @Test
    void rejectsWhatCouldEscapeOrIsMalformed() {
        assertThatThrownBy(() -> Location.of("s3://b/a/../../etc")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> Location.of("s3://b/a//b")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Location.of("s3://b/./a")).hasMessageContaining("'.'");
        assertThatThrownBy(() -> Location.of("/tmp/x")).hasMessageContaining("no scheme");
        assertThatThrownBy(() -> Location.of("s3:bucket")).hasMessageContaining("'//'");
        assertThatThrownBy(() -> Location.of("s3://b").resolve("/abs")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hidesPasswordsWhenPrinted() {
        Location sftp = Location.of("sftp://alice:s3cret@host:22/data");
        assertThat(sftp.toString()).isEqualTo("sftp://alice:***@host:22/data");
        assertThat(sftp.uri()).contains("s3cret");
        assertThat(Location.of("abfss://c@acct.dfs.core.windows.net/p").toString()).isEqualTo("abfss://c@acct.dfs.core.windows.net/p");
        assertThatThrownBy(() -> Location.of("sftp://alice:s3cret@host/a/../b")).hasMessageNotContaining("s3cret");
    }

    /** A signed URL's query is its credential; elsewhere a '?' is part of a key. */
    @Test
    void hidesTheValuesOfAnHttpQuery() {
        Location signed = Location.of("https://bucket.s3.amazonaws.com/m/data.tar.gz?X-Amz-Credential=AKIA1&X-Amz-Signature=f00d&download#top");
        assertThat(signed.toString()).isEqualTo("https://bucket.s3.amazonaws.com/m/data.tar.gz?X-Amz-Credential=***&X-Amz-Signature=***&download#top");
        assertThat(signed.fileName()).isEqualTo("data.tar.gz");
        assertThat(Location.redact("fetching http://h/a?sig=s3cret-sig failed; see https://docs/x")).isEqualTo("fetching http://h/a?sig=*** failed; see https://docs/x");
        assertThat(Location.of("s3://b/a?x=1").toString()).isEqualTo("s3://b/a?x=1");
        assertThat(Location.of("s3://b/a?x=1").fileName()).isEqualTo("a?x=1");
    }
}
