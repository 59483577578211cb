package io.submarine.logshipper.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.logsegment.Position;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path dir;

    private static final StreamState STATE = new StreamState(3, 29, 3, Map.of("/logs/ünï.log", new Position("(dev=1,ino=1)", "6669", 6, 6, 1)));

    @Test
    void whatIsSavedIsLoadedAgain() throws Exception {
        Path file = dir.resolve("checkpoint.json");
        Checkpoint.load(file).save("main/0", STATE);
        assertThat(Checkpoint.load(file).get("main/0")).isEqualTo(STATE);
        assertThat(Checkpoint.load(file).get("other/0")).isEqualTo(StreamState.EMPTY);
    }

    @Test
    void anOpenSegmentAndASourcesLossesAreSavedToo() throws Exception {
        Path file = dir.resolve("checkpoint.json");
        Map<String, Position> before = Map.of("/logs/a.log", new Position("(dev=1,ino=1)", "6669", 6, 6, 1, 1_700_000_000_123_456_789L, 0, 0));
        StreamState state = new StreamState(4, 40, 5, Map.of("/logs/a.log", new Position("(dev=1,ino=2)", "6770", 4, 17, 5,
                1_700_000_001_000_000_000L, 300, 2)), new StreamState.OpenSegment("main-0-0000000004.log.zst", 77, 29, 3,
                "2026-12-07T12:00:00Z", java.util.List.of(new io.submarine.logsegment.SegmentIndex.Run("/logs/a.log", 0, 11, 6, 1, 2)), before));
        Checkpoint.load(file).save("main/0", state);
        assertThat(Checkpoint.load(file).get("main/0")).isEqualTo(state);
        assertThat(Checkpoint.load(file).get("main/0").withoutOpen()).isEqualTo(new StreamState(4, 29, 3, before));
    }

    @Test
    void aCheckpointWrittenBeforeIsRead() throws Exception {
        // As Jackson's object mapper wrote it before the shipper wrote its JSON itself.
        Path file = Files.writeString(dir.resolve("checkpoint.json"), "{\"main/0\":{\"nextSequence\":3,\"bytes\":29,\"lines\":3,\"positions\":"
                + "{\"/logs/\u00fcn\u00ef.log\":{\"anchor\":\"(dev=1,ino=1)\",\"fingerprint\":\"6669\",\"offset\":6,\"bytes\":6,\"lines\":1}}}}");
        assertThat(Checkpoint.load(file).get("main/0")).isEqualTo(STATE);
    }

    @Test
    void aDamagedCheckpointLeavesStorageToSay() throws Exception {
        Path file = Files.writeString(dir.resolve("checkpoint.json"), "{\"main/0\":{\"nextSequence\":3,\"byt");
        assertThat(Checkpoint.load(file).get("main/0")).isEqualTo(StreamState.EMPTY);
        Files.writeString(file, "{\"main/0\":{\"nextSequence\":\"three\"}}");
        assertThat(Checkpoint.load(file).get("main/0")).isEqualTo(StreamState.EMPTY);
    }
}
