package io.submarine.logshipper.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SealedSegment;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.storage.Location;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stream read is durable once synced: a process that dies without sealing (SIGKILL) leaves
 * the open segment and its state, and the next start takes its lines from the spool.
 */
class SpoolTest {

    @TempDir
    Path dir;

    private final List<SealedSegment> sealed = new ArrayList<>();

    private LogStream stream(SegmentFormat format, Checkpoint checkpoint, Spool.Recovered recovered) {
        StreamState start = recovered == null ? StreamState.EMPTY : recovered.state();
        return new LogStream("main", 0, Location.of("memory://bucket/logs/main/0/"), format, dir.resolve("spool"), 1 << 20, Clock.systemUTC(), start,
                recovered == null ? null : recovered.open(), (stream, segment, generation) -> sealed.add(segment), checkpoint::save);
    }

    private static boolean append(LogStream stream, String text, Position after) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return stream.append("/logs/app.log", stream.generation(), bytes, 0, bytes.length, 1, after);
    }

    @ParameterizedTest
    @EnumSource(SegmentFormat.class)
    void linesSyncedBeforeAKillAreTakenFromTheSpoolAndThoseAfterAreReadAgain(SegmentFormat format) throws Exception {
        Files.createDirectories(dir.resolve("spool"));
        Checkpoint checkpoint = Checkpoint.load(dir.resolve("checkpoint.json"));
        LogStream first = stream(format, checkpoint, null);
        append(first, "one\n", new Position("(dev=1,ino=7)", "6f6e650a", 4, 4, 1));
        append(first, "two\n", new Position("(dev=1,ino=7)", "6f6e650a74776f0a", 8, 8, 2));
        first.sync();
        append(first, "three, read after the sync\n", new Position("(dev=1,ino=7)", "6f6e650a74776f0a", 35, 35, 3));
        // Killed here: nothing sealed, nothing closed.

        Checkpoint reloaded = Checkpoint.load(dir.resolve("checkpoint.json"));
        Spool.Recovered recovered = new Spool(dir.resolve("spool")).recover("main/0", reloaded.get("main/0"), reloaded::save);
        assertThat(recovered.state().positions().get("/logs/app.log").offset()).as("where a restart reads on").isEqualTo(8);
        assertThat(recovered.sealed()).isEmpty();
        assertThat(recovered.open()).isNotNull();

        LogStream again = stream(format, reloaded, recovered);
        append(again, "three, read after the sync\n", new Position("(dev=1,ino=7)", "6f6e650a74776f0a", 35, 35, 3));
        again.seal();
        assertThat(sealed).hasSize(1);
        assertThat(content(sealed.get(0))).isEqualTo("one\ntwo\nthree, read after the sync\n");
        assertThat(sealed.get(0).index().lines()).isEqualTo(3);
        assertThat(sealed.get(0).index().runs()).hasSize(1);
        assertThat(reloaded.get("main/0").open()).as("the state saved at the seal").isNull();
        assertThat(reloaded.get("main/0").nextSequence()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(SegmentFormat.class)
    void killedAgainBeforeTheNextSyncTheOpenSegmentIsStillThere(SegmentFormat format) throws Exception {
        Files.createDirectories(dir.resolve("spool"));
        LogStream first = stream(format, Checkpoint.load(dir.resolve("checkpoint.json")), null);
        append(first, "one\n", new Position("(dev=1,ino=7)", "6f6e650a", 4, 4, 1));
        first.sync();
        for (int restart = 0; restart < 3; restart++) {
            // Started again, and killed before it syncs anything.
            Checkpoint reloaded = Checkpoint.load(dir.resolve("checkpoint.json"));
            Spool.Recovered recovered = new Spool(dir.resolve("spool")).recover("main/0", reloaded.get("main/0"), reloaded::save);
            assertThat(recovered.open()).as("after restart %d", restart).isNotNull();
            stream(format, reloaded, recovered);
        }
        Checkpoint reloaded = Checkpoint.load(dir.resolve("checkpoint.json"));
        LogStream last = stream(format, reloaded, new Spool(dir.resolve("spool")).recover("main/0", reloaded.get("main/0"), reloaded::save));
        last.seal();
        assertThat(content(sealed.get(0))).isEqualTo("one\n");
        try (var files = Files.list(dir.resolve("spool"))) {
            assertThat(files.toList()).as("the sealed segment alone; the copies before it are gone").hasSize(1);
        }
    }

    @ParameterizedTest
    @EnumSource(SegmentFormat.class)
    void aSegmentSealedButNotUploadedIsUploadedAfterTheRestart(SegmentFormat format) throws Exception {
        sealOneSyncAnother(format);
        // Killed before the uploader took segment 0.

        Checkpoint reloaded = Checkpoint.load(dir.resolve("checkpoint.json"));
        Spool.Recovered recovered = new Spool(dir.resolve("spool")).recover("main/0", reloaded.get("main/0"), reloaded::save);
        assertThat(recovered.sealed()).extracting(segment -> segment.index().sequence()).containsExactly(0L);
        assertThat(content(recovered.sealed().get(0))).isEqualTo("one\n");
        assertThat(recovered.state().nextSequence()).isEqualTo(1);
        assertThat(recovered.state().positions().get("/logs/app.log").offset()).isEqualTo(8);
        assertThat(recovered.open()).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(SegmentFormat.class)
    void anOpenSegmentFileLostFromTheSpoolIsReadAgainFromWhereItBegan(SegmentFormat format) throws Exception {
        sealOneSyncAnother(format);
        try (var files = Files.list(dir.resolve("spool"))) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Checkpoint reloaded = Checkpoint.load(dir.resolve("checkpoint.json"));
        Spool.Recovered recovered = new Spool(dir.resolve("spool")).recover("main/0", reloaded.get("main/0"), reloaded::save);
        assertThat(recovered.open()).isNull();
        assertThat(recovered.state().positions().get("/logs/app.log").offset()).as("after segment 0, which storage holds").isEqualTo(4);
        assertThat(recovered.state().nextSequence()).isEqualTo(1);
    }

    /** A run that sealed segment 0 ("one") and synced "two" in segment 1, then was killed. */
    private void sealOneSyncAnother(SegmentFormat format) throws Exception {
        Files.createDirectories(dir.resolve("spool"));
        LogStream first = stream(format, Checkpoint.load(dir.resolve("checkpoint.json")), null);
        append(first, "one\n", new Position("(dev=1,ino=7)", "6f6e650a", 4, 4, 1));
        first.seal();
        append(first, "two\n", new Position("(dev=1,ino=7)", "6f6e650a", 8, 8, 2));
        first.sync();
    }

    private static String content(SealedSegment segment) throws Exception {
        try (InputStream in = segment.format() == SegmentFormat.ZSTD
                ? new com.github.luben.zstd.ZstdInputStream(Files.newInputStream(segment.file()))
                : new java.util.zip.GZIPInputStream(Files.newInputStream(segment.file()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
