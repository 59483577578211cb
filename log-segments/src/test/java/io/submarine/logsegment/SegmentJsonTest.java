package io.submarine.logsegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SegmentJsonTest {

    private static final SegmentIndex INDEX = new SegmentIndex(1, "main", 0, 3, 100, 7, 29, 3,
            List.of(new SegmentIndex.Run("/logs/a.log", 0, 6, 0, 0, 1), new SegmentIndex.Run("/logs/ünï.log", 6, 23, 40, 3, 2)),
            Map.of("/logs/a.log", new Position("(dev=1,ino=1)", "6669", 6, 6, 1)), "2026-11-28T10:00:00Z", "2026-11-28T10:01:00Z");

    /** What Jackson's object mapper wrote for INDEX before this class: segments already in storage hold this. */
    private static final String WRITTEN_BEFORE = "{\"format\":1,\"stream\":\"main\",\"restart\":0,\"sequence\":3,\"firstByte\":100,\"firstLine\":7,"
            + "\"bytes\":29,\"lines\":3,\"runs\":[{\"source\":\"/logs/a.log\",\"segmentOffset\":0,\"length\":6,\"sourceByte\":0,\"sourceLine\":0,"
            + "\"lines\":1},{\"source\":\"/logs/\\u00FCn\\u00EF.log\",\"segmentOffset\":6,\"length\":23,\"sourceByte\":40,\"sourceLine\":3,\"lines\":2}],"
            + "\"positions\":{\"/logs/a.log\":{\"anchor\":\"(dev=1,ino=1)\",\"fingerprint\":\"6669\",\"offset\":6,\"bytes\":6,\"lines\":1}},"
            + "\"opened\":\"2026-11-28T10:00:00Z\",\"sealed\":\"2026-11-28T10:01:00Z\"}";

    @Test
    void anIndexIsWrittenAsBeforeInAsciiAndReadBack() throws IOException {
        byte[] json = SegmentJson.writeIndex(INDEX);
        assertThat(new String(json, StandardCharsets.US_ASCII)).isEqualTo(WRITTEN_BEFORE);
        assertThat(SegmentJson.readIndex(json)).isEqualTo(INDEX);
    }

    @Test
    void aFilesModificationTimeAndLossesAreKeptAndAbsentBeforeTheyExisted() throws IOException {
        Position position = new Position("(dev=1,ino=1)", "6669", 6, 6, 1, 1_796_645_949_788_845_295L, 300, 2);
        Map<String, Object> json = SegmentJson.positionsToJson(Map.of("/logs/a.log", position));
        assertThat(SegmentJson.positionsFromJson(SegmentJson.object(SegmentJson.parse(SegmentJson.write(json)), "positions")))
                .containsEntry("/logs/a.log", position);
        assertThat(SegmentJson.readIndex(WRITTEN_BEFORE.getBytes(StandardCharsets.US_ASCII)).positions().get("/logs/a.log"))
                .extracting(Position::modified, Position::lostBytes, Position::gaps).containsExactly(0L, 0L, 0L);
    }

    @Test
    void fieldsANewerWriterAddsAreIgnored() throws IOException {
        String newer = WRITTEN_BEFORE.replace("\"stream\":\"main\",", "\"stream\":\"main\",\"codec\":{\"name\":\"zstd\",\"levels\":[1,2.5,true,null]},");
        assertThat(SegmentJson.readIndex(newer.getBytes(StandardCharsets.US_ASCII))).isEqualTo(INDEX);
    }

    @Test
    void aMissingOrMistypedFieldIsNamed() {
        assertThatThrownBy(() -> SegmentJson.readIndex(WRITTEN_BEFORE.replace("\"sequence\":3,", "").getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class).hasMessage("field 'sequence' must be a whole number");
        assertThatThrownBy(() -> SegmentJson.readIndex(WRITTEN_BEFORE.replace("\"offset\":6", "\"offset\":\"6\"").getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class).hasMessage("field 'offset' must be a whole number");
        assertThatThrownBy(() -> SegmentJson.readIndex(WRITTEN_BEFORE.replace("\"offset\":6", "\"offset\":-6").getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class).hasMessage("the position of /logs/a.log is invalid");
        assertThatThrownBy(() -> SegmentJson.readIndex(WRITTEN_BEFORE.replace("\"restart\":0", "\"restart\":4294967296").getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class).hasMessage("field 'restart' is out of range: 4294967296");
    }

    @Test
    void brokenJsonIsAnIoException() {
        byte[] cut = WRITTEN_BEFORE.substring(0, 120).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> SegmentJson.readIndex(cut)).isInstanceOf(IOException.class).hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> SegmentJson.parse("{} {}".getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class)
                .hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> SegmentJson.readIndex("[]".getBytes(StandardCharsets.US_ASCII))).isInstanceOf(IOException.class)
                .hasMessage("a segment index must be a JSON object");
    }
}
