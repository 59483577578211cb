package io.submarine.logsegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import io.submarine.storage.memory.MemoryBlobStore;
import io.submarine.storage.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SegmentFormatTest {

    @TempDir
    Path dir;

    private static final byte[] LINES = "first\nsecond, ünïcödé\nthird\n".getBytes(StandardCharsets.UTF_8);

    private SealedSegment write(SegmentFormat format) throws Exception {
        SegmentWriter writer = new SegmentWriter(dir.resolve("segment" + format.objectName(3)), format, Instant.parse("2026-11-28T10:00:00Z"));
        writer.write("/logs/a.log", LINES, 0, 6, 1, Position.START);
        writer.write("/logs/b.log", LINES, 6, LINES.length - 6, 2, new Position("(dev=1,ino=2)", "", 40, 40, 3));
        return writer.seal("main", 0, 3, 100, 7, Map.of("/logs/a.log", new Position("(dev=1,ino=1)", "6669", 6, 6, 1)),
                Instant.parse("2026-11-28T10:01:00Z"));
    }

    @ParameterizedTest
    @EnumSource(SegmentFormat.class)
    void standardDecompressorsSeeOnlyTheLinesAndTheIndexComesBack(SegmentFormat format) throws Exception {
        SealedSegment segment = write(format);
        try (InputStream raw = Files.newInputStream(segment.file());
                InputStream in = format == SegmentFormat.ZSTD ? new ZstdInputStream(raw) : new GZIPInputStream(raw)) {
            assertThat(in.readAllBytes()).isEqualTo(LINES);
        }
        String cli = format == SegmentFormat.ZSTD ? "zstd" : "gzip";
        Path tool = Fixtures.onPath(cli).orElse(null);
        if (tool == null) {
            Fixtures.unavailable(cli + " is not installed (.ci/run installs it)");
        }
        Process process = new ProcessBuilder(tool.toString(), "-dc", segment.file().toString()).start();
        assertThat(process.getInputStream().readAllBytes()).as("%s -dc", cli).isEqualTo(LINES);
        assertThat(process.waitFor()).isZero();

        MemoryBlobStore store = new MemoryBlobStore();
        Location location = Location.of("memory://logs/main/0/").resolve(segment.objectName());
        store.write(location, Files.newInputStream(segment.file()), WriteMode.CREATE_IF_ABSENT);
        SegmentIndex index = format.readIndex(store, location, store.stat(location).size());
        assertThat(index).isEqualTo(segment.index());
        assertThat(index.runs()).containsExactly(new SegmentIndex.Run("/logs/a.log", 0, 6, 0, 0, 1),
                new SegmentIndex.Run("/logs/b.log", 6, LINES.length - 6, 40, 3, 2));
        assertThat(index.endLine()).isEqualTo(10);
        assertThat(segment.objectName()).isEqualTo(format == SegmentFormat.ZSTD ? "0000000003.log.zst" : "0000000003.log.gz");
        assertThat(SegmentFormat.sequenceOf(segment.objectName())).contains(3L);
    }

    @ParameterizedTest
    @EnumSource(SegmentFormat.class)
    void anObjectWithoutAnIndexIsRefusedWithItsName(SegmentFormat format) throws Exception {
        MemoryBlobStore store = new MemoryBlobStore();
        Location location = Location.of("memory://logs/main/0/0000000000" + (format == SegmentFormat.ZSTD ? ".log.zst" : ".log.gz"));
        byte[] notASegment = "just some bytes that are long enough to hold a marker, but none".getBytes(StandardCharsets.UTF_8);
        store.write(location, new ByteArrayInputStream(notASegment), WriteMode.OVERWRITE);
        assertThatThrownBy(() -> format.readIndex(store, location, notASegment.length)).hasMessageContaining(location.toString())
                .hasMessageContaining("no segment index");
    }
}
