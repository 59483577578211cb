package io.submarine.logshipper.ship;

import io.submarine.logsegment.SealedSegment;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.logsegment.SegmentIndex;
import io.submarine.logsegment.SegmentWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local spool on the pod's volume: each stream's sealed segments waiting for upload, and its
 * open segment, synced to disk every {@code --sync-interval}. After a restart it gives back what
 * the last run left there, so lines read before the restart are shipped from here, not read
 * again from files that rotation may have taken away meanwhile.
 */
public final class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    /** What a stream left in the spool: the state to go on from, segments to upload, and its open segment written again. */
    public record Recovered(StreamState state, List<SealedSegment> sealed, SegmentWriter open) {
        /** Drops what was recovered, files included: the stream goes on from elsewhere. */
        public void discard() throws IOException {
            if (open != null) {
                open.discard();
            }
            for (SealedSegment segment : sealed) {
                Files.deleteIfExists(segment.file());
            }
        }
    }

    private final Path directory;

    public Spool(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /**
     * What stream {@code key} left here, given its saved state: sealed segments are kept for upload
     * (one sealed after the state was saved moves the state past it), the open segment is written
     * again up to its last sync, into a file of its own, and that state saved to {@code sink}
     * before the old file goes; anything else of the stream is dropped, as its lines are read
     * again from the sources.
     */
    public Recovered recover(String key, StreamState saved, LogStream.StateSink sink) throws IOException {
        StreamState state = saved;
        List<SealedSegment> sealed = new ArrayList<>();
        SpoolFile openFile = null;
        for (SpoolFile spoolFile : files(key)) {
            Path file = spoolFile.path();
            long sequence = spoolFile.sequence();
            SegmentFormat format = SegmentFormat.ofObjectName(file.getFileName().toString()).orElseThrow();
            Optional<SegmentIndex> index = sealedIndex(format, file);
            if (index.isPresent() && sequence <= state.nextSequence()) {
                sealed.add(new SealedSegment(file, format, index.get(), Files.size(file)));
                if (sequence == state.nextSequence()) {
                    state = StreamState.after(index.get());
                }
            } else if (index.isEmpty() && state.open() != null && sequence == state.nextSequence()
                    && file.getFileName().toString().equals(state.open().file())) {
                openFile = spoolFile;
            } else {
                Files.deleteIfExists(file);
            }
        }
        SegmentWriter open = null;
        if (state.open() != null) {
            open = openFile == null ? null : reopen(key, openFile, state.open());
            if (open == null) {
                LOG.warn("the open segment of stream {} could not be read back from the spool; its lines are read again from the sources", key);
                state = state.withoutOpen();
            } else {
                // The copy is the open segment from now on; until this state is saved, the old file is.
                StreamState.OpenSegment synced = state.open();
                state = new StreamState(state.nextSequence(), state.bytes(), state.lines(), state.positions(),
                        new StreamState.OpenSegment(open.file().getFileName().toString(), open.sync(), synced.firstByte(), synced.firstLine(),
                                synced.opened(), synced.runs(), synced.before()));
                sink.save(key, state);
                Files.deleteIfExists(openFile.path());
            }
        }
        if (!sealed.isEmpty() || open != null) {
            LOG.info("stream {}: {} sealed segments found in the spool{}", key, sealed.size(),
                    open == null ? "" : ", and the open one's " + state.open().runs().stream().mapToLong(SegmentIndex.Run::lines).sum() + " lines");
        }
        return new Recovered(state, sealed, open);
    }

    /**
     * The name of a spool file: the stream, then {@code r<n>-} for the n-th copy of an open
     * segment written again after a restart, then the segment's object name.
     */
    public static String fileName(String key, SegmentFormat format, long sequence, int copy) {
        return key.replace('/', '-') + "-" + (copy == 0 ? "" : "r" + copy + "-") + format.objectName(sequence);
    }

    /** A file of a stream's in the spool: segment {@code sequence}, or the {@code copy}-th copy of it written again. */
    private record SpoolFile(Path path, long sequence, int copy) {}

    private static final Pattern NAME = Pattern.compile("(?:r(\\d+)-)?(\\d{10})\\.log\\.(?:zst|gz)");

    /** The stream's files, by sequence and then copy. */
    private List<SpoolFile> files(String key) throws IOException {
        String prefix = key.replace('/', '-') + "-";
        List<SpoolFile> files = new ArrayList<>();
        try (Stream<Path> all = Files.list(directory)) {
            for (Path file : all.toList()) {
                String name = file.getFileName().toString();
                Matcher matcher = NAME.matcher(name.startsWith(prefix) ? name.substring(prefix.length()) : "");
                if (matcher.matches()) {
                    files.add(new SpoolFile(file, Long.parseLong(matcher.group(2)), matcher.group(1) == null ? 0 : Integer.parseInt(matcher.group(1))));
                }
            }
        }
        files.sort(Comparator.comparingLong(SpoolFile::sequence).thenComparingInt(SpoolFile::copy));
        return files;
    }

    private static Optional<SegmentIndex> sealedIndex(SegmentFormat format, Path file) {
        try {
            return Optional.of(format.readIndex(file));
        } catch (IOException notSealed) {
            return Optional.empty();
        }
    }

    /** The open segment written again from its synced prefix into a new copy, or null if that cannot be read. */
    private static SegmentWriter reopen(String key, SpoolFile file, StreamState.OpenSegment synced) {
        SegmentFormat format = SegmentFormat.ofObjectName(file.path().getFileName().toString()).orElseThrow();
        Path copy = file.path().resolveSibling(fileName(key, format, file.sequence(), file.copy() + 1));
        try (InputStream bytes = format.syncedBytes(file.path(), synced.length())) {
            Files.deleteIfExists(copy);
            return SegmentWriter.resume(copy, format, Instant.parse(synced.opened()), synced.runs(), bytes);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} could not be read back: {}", file.path(), e.toString());
            return null;
        }
    }
}
