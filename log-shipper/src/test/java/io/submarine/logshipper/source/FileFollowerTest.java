package io.submarine.logshipper.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.logsegment.SealedSegment;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.logshipper.ship.LogStream;
import io.submarine.logsegment.Position;
import io.submarine.logshipper.ship.ShipperMetrics;
import io.submarine.logshipper.ship.StreamState;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.submarine.storage.Location;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** One follower against real files, step by step: what it appends, and where it stands. */
class FileFollowerTest {

    @TempDir
    Path dir;

    private final List<SealedSegment> sealed = new ArrayList<>();

    private LogStream stream(StreamState start) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        return new LogStream("main", 0, Location.of("memory://bucket/logs/main/0/"), SegmentFormat.ZSTD, spool, 1 << 20, Clock.systemUTC(), start,
                (stream, segment, generation) -> sealed.add(segment));
    }

    private FileFollower follower(Path file, LogStream stream) {
        return new FileFollower(file, stream, new ShipperMetrics(), 1 << 20, ROTATE_WAIT);
    }

    private static final Duration ROTATE_WAIT = Duration.ofMillis(50);

    /** Polls as the reader thread does, past the rotate wait. */
    private static void pollUntilQuiet(FileFollower follower) throws Exception {
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 3 * ROTATE_WAIT.toNanos()) {
            if (follower.poll(false)) {
                quietSince = System.nanoTime();
            } else {
                Thread.sleep(10);
            }
        }
    }

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aRestartAtTheEndOfARenamedFileGoesOnWithTheNewFile() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "one\ntwo\n");
        LogStream first = stream(StreamState.EMPTY);
        FileFollower before = follower(log, first);
        pollUntilQuiet(before);
        Position atEnd = first.position(log.toString());
        assertThat(atEnd.offset()).isEqualTo(8);
        before.close();

        Files.move(log, dir.resolve("app.log.1"), StandardCopyOption.ATOMIC_MOVE);
        append(log, "three\n");
        LogStream restarted = stream(new StreamState(1, 8, 2, Map.of(log.toString(), atEnd)));
        FileFollower after = follower(log, restarted);
        pollUntilQuiet(after);
        pollUntilQuiet(after);
        assertThat(restarted.position(log.toString()).bytes()).isEqualTo(14);
        assertThat(restarted.linesRead()).isEqualTo(3);
    }

    @Test
    void stackTracesStayWithTheirLineAndTheLastRecordWaitsForQuiet() throws Exception {
        Path log = dir.resolve("app.log");
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = new FileFollower(log, stream, new ShipperMetrics(), 1 << 20, ROTATE_WAIT,
                LineGrouping.continuationLines(java.util.regex.Pattern.compile("\\s|Caused by:")), Duration.ofMillis(300), null, false);
        append(log, "ERROR boom\n  at a.b(C.java:1)\nCaused by: x\n  at d.e(F.java:2)\nINFO next\n  at partial");
        follower.poll(false);
        follower.poll(false);
        assertThat(stream.linesRead()).as("one record: the error and its trace; 'INFO next' may still grow").isEqualTo(1);
        assertThat(stream.bytesRead()).isEqualTo("ERROR boom\n  at a.b(C.java:1)\nCaused by: x\n  at d.e(F.java:2)\n".length());
        append(log, "\n");
        Thread.sleep(100);
        follower.poll(false);
        assertThat(stream.linesRead()).as("the record grew: still held").isEqualTo(1);
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (stream.linesRead() == 1 && System.nanoTime() < end) {
            follower.poll(false);
            Thread.sleep(20);
        }
        assertThat(stream.linesRead()).as("shipped once quiet").isEqualTo(2);
        assertThat(stream.bytesRead()).isEqualTo(Files.size(log));
    }

    @Test
    void aFileDeletedWhileOpenIsReadToItsEnd() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "one\n");
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = follower(log, stream);
        pollUntilQuiet(follower);
        try (java.io.FileOutputStream writer = new java.io.FileOutputStream(log.toFile(), true)) {
            Files.delete(log);
            writer.write("two, written after the delete\nthree without newline".getBytes(StandardCharsets.UTF_8));
        }
        pollUntilQuiet(follower);
        assertThat(stream.linesRead()).isEqualTo(3);
        append(log, "a new file\n");
        pollUntilQuiet(follower);
        assertThat(stream.linesRead()).isEqualTo(4);
    }

    @Test
    void aRestartFindingItsInodeNumberOnAnotherFileReadsThatFileFromItsStart() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "a new file that happens to have the old inode number\n");
        String key = FileFollower.fileKey(log);
        Position stale = new Position(key, java.util.HexFormat.of().formatHex("the file this was, long deleted\n".getBytes(StandardCharsets.UTF_8)),
                25, 25, 1);
        LogStream stream = stream(new StreamState(1, 25, 1, Map.of(log.toString(), stale)));
        pollUntilQuiet(follower(log, stream));
        assertThat(stream.linesRead()).isEqualTo(2);
        assertThat(stream.position(log.toString()).offset()).isEqualTo(Files.size(log));
    }

    @Test
    void newlinesAreCountedExactlyWhateverTheBytesAroundThem() {
        java.util.Random random = new java.util.Random(3);
        for (int round = 0; round < 2000; round++) {
            byte[] data = new byte[random.nextInt(70)];
            // Mostly the bytes next to '\n' (0x0A): 0x09, 0x0B, 0x00, 0x8A, where a carry would miscount.
            byte[] alphabet = {'\n', 0x09, 0x0B, 0x00, (byte) 0x8A, (byte) 0xFF, 'a'};
            long expected = 0;
            for (int i = 0; i < data.length; i++) {
                data[i] = alphabet[random.nextInt(alphabet.length)];
                expected += data[i] == '\n' ? 1 : 0;
            }
            assertThat(FileFollower.countLines(data, data.length)).isEqualTo(expected);
        }
    }

    @Test
    void copyTruncateReadsTheLastLinesFromTheCopy() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "first line is long enough to fingerprint\n");
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = follower(log, stream);
        pollUntilQuiet(follower);
        append(log, "written after the last read\n");
        Files.copy(log, dir.resolve("app.log.1"));
        Files.write(log, new byte[0]);
        append(log, "after truncation\n");
        pollUntilQuiet(follower);
        stream.seal();
        assertThat(stream.linesRead()).isEqualTo(3);
        assertThat(stream.bytesRead()).isEqualTo(41 + 28 + 17);
    }

    @Test
    void twoCopyTruncatesWhileTheShipperIsDownLoseNothing() throws Exception {
        // logrotate with copytruncate and rotate 2, twice, while the shipper is down.
        Restarted restarted = restartedAfter(log -> {
            copyTruncatedWhileDown(log);
            Files.move(dir.resolve("app.log.1"), dir.resolve("app.log.2"));
            copyTruncate(log, dir.resolve("app.log.1"), FileTime.fromMillis(2_000_000));
            append(log, "five\n");
        });
        assertThat(shipped(restarted.stream())).as("three from the older copy, four from the newer, five from the file").isEqualTo("three\nfour\nfive\n");
        assertThat(readGaps(restarted.metrics())).isZero();
    }

    @Test
    void oneCopyTruncateWhileDownIsNoGapThoughAnOlderRotationWasCompressedAfterIt() throws Exception {
        // copytruncate with delaycompress: the copy before it is compressed after the new copy is made.
        Restarted restarted = restartedAfter(log -> {
            copyTruncatedWhileDown(log);
            Path older = Files.write(dir.resolve("app.log.2.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
            Files.setLastModifiedTime(older, FileTime.fromMillis(2_000_000));
        });
        assertThat(restarted.stream().linesRead()).isEqualTo(4);
        assertThat(readGaps(restarted.metrics())).isZero();
    }

    @Test
    void aCopyDeletedWhileTheShipperIsDownIsAGap() throws Exception {
        Restarted restarted = restartedAfter(log -> {
            copyTruncatedWhileDown(log);
            Files.delete(dir.resolve("app.log.1"));
        });
        assertThat(restarted.stream().linesRead()).as("four; three went with the copy").isEqualTo(3);
        assertThat(readGaps(restarted.metrics())).isEqualTo(1);
    }

    @Test
    void filesRotatedAfterTheOneResumedInWhileTheShipperWasDownAreReadInOrder() throws Exception {
        // Rotated twice while the shipper is down: "three" went to app.log.1 unseen.
        Restarted restarted = restartedAfter(log -> {
            rotatedWhileDown(log, "three\n");
            Files.move(dir.resolve("app.log.1"), dir.resolve("app.log.2"));
            Files.move(log, dir.resolve("app.log.1"));
            append(log, "four\n");
        });
        assertThat(shipped(restarted.stream())).isEqualTo("three\nfour\n");
        assertThat(readGaps(restarted.metrics())).isZero();
    }

    @Test
    void oneRotationWhileTheShipperWasDownIsNoGapThoughAnotherFileBesideItWasWritten() throws Exception {
        Restarted restarted = restartedAfter(log -> {
            rotatedWhileDown(log, "three\n");
            append(dir.resolve("app.log.err"), "not a rotation of app.log\n");
        });
        assertThat(restarted.stream().linesRead()).isEqualTo(3);
        assertThat(readGaps(restarted.metrics())).isZero();
    }

    /** {@code log}, last written long ago, renamed to app.log.1; {@code text} in a new file at the path. */
    private void rotatedWhileDown(Path log, String text) throws Exception {
        Files.setLastModifiedTime(log, FileTime.fromMillis(1_000_000));
        Files.move(log, dir.resolve("app.log.1"));
        append(log, text);
    }

    @Test
    void filesRotatedAwayWithinTheRotateWaitAreReadInOrder() throws Exception {
        ShipperMetrics metrics = new ShipperMetrics();
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = new FileFollower(dir.resolve("app.log"), stream, metrics, 1 << 20, Duration.ofSeconds(1));
        rotatedTwiceWhileFollowed(follower);
        Thread.sleep(1100);
        pollUntilQuiet(follower);
        assertThat(shipped(stream)).isEqualTo("one\ntwo\nthree\n");
        assertThat(readGaps(metrics)).isZero();
    }

    @Test
    void aFileRotatedAwayAndDeletedBeforeItWasReadIsAGap() throws Exception {
        ShipperMetrics metrics = new ShipperMetrics();
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = new FileFollower(dir.resolve("app.log"), stream, metrics, 1 << 20, Duration.ofSeconds(1));
        Files.delete(rotatedTwiceWhileFollowed(follower));
        Thread.sleep(1100);
        pollUntilQuiet(follower);
        assertThat(shipped(stream)).isEqualTo("one\nthree\n");
        assertThat(readGaps(metrics)).isEqualTo(1);
        assertThat(counter(metrics, "logshipper_lost_bytes")).as("two\\n").isEqualTo(4);
        assertThat(stream.position(dir.resolve("app.log").toString()).lostBytes()).isEqualTo(4);
    }

    @Test
    void aFileThatCameToAnEmptyPathAndWasRotatedAwayBeforeThePollIsRead() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "one\n");
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = follower(log, stream);
        pollUntilQuiet(follower);
        Files.move(log, dir.resolve("app.log.1"));
        pollUntilQuiet(follower);
        // Nothing at the path now; before the next poll a file comes, is written and rotated, and another comes.
        append(log, "two\n");
        Files.move(dir.resolve("app.log.1"), dir.resolve("app.log.2"));
        Files.move(log, dir.resolve("app.log.1"));
        append(log, "three\n");
        pollUntilQuiet(follower);
        assertThat(shipped(stream)).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void aFileRotatedAwayBeforeTheFirstPollFoundItIsRead() throws Exception {
        Path log = dir.resolve("app.log");
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = follower(log, stream);
        pollUntilQuiet(follower);
        append(log, "one\n");
        Files.move(log, dir.resolve("app.log.1"));
        append(log, "two\n");
        pollUntilQuiet(follower);
        assertThat(shipped(stream)).isEqualTo("one\ntwo\n");
    }

    @Test
    void aRotationWhileTheSiblingsAreListedDoesNotSkipTheFileThatWasAtThePath() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "one\n");
        append(dir.resolve("unrelated.txt"), "x\n");
        LogStream stream = stream(StreamState.EMPTY);
        // The rotated-glob matcher is asked about each file while the directory is listed: the rotation happens right then.
        java.util.concurrent.atomic.AtomicBoolean rotated = new java.util.concurrent.atomic.AtomicBoolean();
        java.nio.file.PathMatcher rotateWhileListed = name -> {
            if (rotated.compareAndSet(false, true)) {
                try {
                    Files.move(log, dir.resolve("app.log.1"));
                    append(log, "two\n");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            return false;
        };
        pollUntilQuiet(new FileFollower(log, stream, new ShipperMetrics(), 1 << 20, ROTATE_WAIT, LineGrouping.eachLine(), Duration.ZERO,
                rotateWhileListed, false));
        assertThat(rotated).isTrue();
        assertThat(shipped(stream)).isEqualTo("one\ntwo\n");
    }

    @Test
    void aRotatedFileItsWriterLeftLongAgoIsNotWaitedFor() throws Exception {
        LogStream stream = stream(StreamState.EMPTY);
        Duration rotateWait = Duration.ofSeconds(3);
        FileFollower follower = new FileFollower(dir.resolve("app.log"), stream, new ShipperMetrics(), 1 << 20, rotateWait);
        Path two = rotatedTwiceWhileFollowed(follower);
        Files.setLastModifiedTime(two, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Thread.sleep(rotateWait.toMillis() + 100);

        // "one"'s writer may still have been at it: waited for. "two"'s was done an hour ago: not.
        long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (stream.linesRead() < 3 && System.nanoTime() < end) {
            follower.poll(false);
        }
        assertThat(shipped(stream)).isEqualTo("one\ntwo\nthree\n");
    }

    /**
     * "one" read; then rotated away, and while the follower waits for its writer, "two" comes to
     * the path, is seen and is rotated away too; "three" comes and is seen. Where "two" is now.
     */
    private Path rotatedTwiceWhileFollowed(FileFollower follower) throws Exception {
        Path log = follower.path();
        append(log, "one\n");
        pollUntilQuiet(follower);
        Files.move(log, dir.resolve("app.log.1"));
        append(log, "two\n");
        follower.poll(false);
        Path two = dir.resolve("app.log.2");
        Files.move(log, two);
        append(log, "three\n");
        follower.poll(false);
        return two;
    }

    /** What happens to the files while the shipper is down. */
    @FunctionalInterface
    private interface WhileDown {
        void happen(Path log) throws Exception;
    }

    private record Restarted(LogStream stream, ShipperMetrics metrics) {}

    /**
     * Ships "one\ntwo\n" from app.log and stops; then {@code whileDown}; then the shipper is
     * started again where it stood, after those two lines, and reads until quiet.
     */
    private Restarted restartedAfter(WhileDown whileDown) throws Exception {
        Path log = dir.resolve("app.log");
        append(log, "one\ntwo\n");
        LogStream before = stream(StreamState.EMPTY);
        FileFollower stopped = follower(log, before);
        pollUntilQuiet(stopped);
        stopped.close();
        Position atEnd = before.position(log.toString());

        whileDown.happen(log);

        ShipperMetrics metrics = new ShipperMetrics();
        LogStream stream = stream(new StreamState(1, 8, 2, Map.of(log.toString(), atEnd)));
        FileFollower follower = new FileFollower(log, stream, metrics, 1 << 20, ROTATE_WAIT);
        pollUntilQuiet(follower);
        return new Restarted(stream, metrics);
    }

    /** "three" written, then copy-truncated into app.log.1, then "four": what the shipper, down, did not see. */
    private void copyTruncatedWhileDown(Path log) throws Exception {
        append(log, "three\n");
        copyTruncate(log, dir.resolve("app.log.1"), FileTime.fromMillis(1_000_000));
        append(log, "four\n");
    }

    private static void copyTruncate(Path log, Path copy, FileTime copiedAt) throws Exception {
        Files.copy(log, copy);
        Files.setLastModifiedTime(copy, copiedAt);
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }

    /** What the stream holds so far, sealed and decompressed. */
    private String shipped(LogStream stream) throws Exception {
        stream.seal();
        StringBuilder text = new StringBuilder();
        for (SealedSegment segment : sealed) {
            try (java.io.InputStream in = new com.github.luben.zstd.ZstdInputStream(Files.newInputStream(segment.file()))) {
                text.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }

    private static double readGaps(ShipperMetrics metrics) {
        return counter(metrics, "logshipper_read_gaps");
    }

    private static double counter(ShipperMetrics metrics, String name) {
        return metrics.registry().scrape().stream().filter(metric -> metric.getMetadata().getName().equals(name))
                .map(metric -> ((CounterSnapshot) metric).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gz", "zst", "xz", "bz2"})
    void aRotationCompressedWhileTheShipperWasDownIsReadOnFromWhereItStood(String suffix) throws Exception {
        Restarted restarted = restartedAfter(log -> {
            append(log, "three\n");
            Files.setLastModifiedTime(log, FileTime.fromMillis(1_000_000));
            Path rotated = dir.resolve("app.log.1." + suffix);
            try (java.io.OutputStream out = compressor(suffix, Files.newOutputStream(rotated))) {
                out.write(Files.readAllBytes(log));
            }
            Files.setLastModifiedTime(rotated, FileTime.fromMillis(1_000_000));
            Files.delete(log);
            append(log, "four\n");
        });
        assertThat(shipped(restarted.stream())).isEqualTo("three\nfour\n");
        assertThat(readGaps(restarted.metrics())).isZero();
    }

    private static java.io.OutputStream compressor(String suffix, java.io.OutputStream out) throws Exception {
        return switch (suffix) {
            case "gz" -> new java.util.zip.GZIPOutputStream(out);
            case "zst" -> new com.github.luben.zstd.ZstdOutputStream(out);
            case "xz" -> new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(out);
            default -> new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(out);
        };
    }

    @Test
    void aFirstStartShipsTheRotatedSiblingsAlreadyThereOldestFirst() throws Exception {
        Path log = dir.resolve("app.log");
        try (java.io.OutputStream out = compressor("gz", Files.newOutputStream(dir.resolve("app.log.2.gz")))) {
            out.write("oldest, from an earlier container\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.setLastModifiedTime(dir.resolve("app.log.2.gz"), FileTime.fromMillis(1_000_000));
        append(dir.resolve("app.log.1"), "older\n");
        Files.setLastModifiedTime(dir.resolve("app.log.1"), FileTime.fromMillis(2_000_000));
        append(dir.resolve("app.log.err"), "another live file, not a rotation of app.log\n");
        append(log, "live\n");
        LogStream stream = stream(StreamState.EMPTY);
        pollUntilQuiet(follower(log, stream));
        assertThat(shipped(stream)).isEqualTo("oldest, from an earlier container\nolder\nlive\n");
    }

    @Test
    void startingAtTheEndShipsOnlyWhatIsWrittenAfterwards() throws Exception {
        Path log = dir.resolve("app.log");
        append(dir.resolve("app.log.1"), "older\n");
        append(log, "before the start\n");
        LogStream stream = stream(StreamState.EMPTY);
        FileFollower follower = new FileFollower(log, stream, new ShipperMetrics(), 1 << 20, ROTATE_WAIT, LineGrouping.eachLine(), Duration.ZERO,
                null, true);
        pollUntilQuiet(follower);
        append(log, "after\n");
        pollUntilQuiet(follower);
        assertThat(shipped(stream)).isEqualTo("after\n");
    }

    @Test
    void rotationsNamedByTheRotatedGlobAreSiblingsToo() throws Exception {
        Path log = dir.resolve("app.log");
        append(dir.resolve("app.2026-12-06.log"), "yesterday, as log4j names it\n");
        Files.setLastModifiedTime(dir.resolve("app.2026-12-06.log"), FileTime.fromMillis(1_000_000));
        append(log, "today\n");
        LogStream stream = stream(StreamState.EMPTY);
        pollUntilQuiet(new FileFollower(log, stream, new ShipperMetrics(), 1 << 20, ROTATE_WAIT, LineGrouping.eachLine(), Duration.ZERO,
                java.nio.file.FileSystems.getDefault().getPathMatcher("glob:app.*-*-*.log"), false));
        assertThat(shipped(stream)).isEqualTo("yesterday, as log4j names it\ntoday\n");
    }
}
