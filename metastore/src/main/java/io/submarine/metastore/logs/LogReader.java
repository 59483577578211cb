package io.submarine.metastore.logs;

import com.github.luben.zstd.ZstdInputStream;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.logsegment.SegmentIndex;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Serves a line range of a container's log back from its segments in blob storage: lists the
 * stream's directory, finds the segment holding the first line by the indexes inside them
 * (a binary search: one small ranged read per probe), then decompresses from there.
 */
public final class LogReader {

    /** Where each chunk of lines goes; returns false when the reader has gone away. */
    @FunctionalInterface
    interface Sink {
        boolean write(byte[] data, int length) throws IOException;
    }

    /** What a copy did: the line after the last one written, and whether the stream has ended for good. */
    record Progress(long nextLine, boolean complete) {}

    /** A listed segment; its index is read at most once per copy (two small ranged reads). */
    private final class Segment {
        private final BlobInfo info;
        private final SegmentFormat format;
        private SegmentIndex index;

        Segment(BlobInfo info, SegmentFormat format) {
            this.info = info;
            this.format = format;
        }

        BlobInfo info() {
            return info;
        }

        SegmentFormat format() {
            return format;
        }

        SegmentIndex index() throws IOException {
            if (index == null) {
                index = format.readIndex(store, info.location(), info.size());
            }
            return index;
        }
    }

    private final BlobStore store;

    public LogReader(BlobStore store) {
        this.store = store;
    }

    /** Lines [{@code fromLine}, {@code toLine}) of the stream under {@code directory}, as far as it goes now. */
    Progress copy(Location directory, long fromLine, long toLine, Sink sink) throws IOException {
        List<Segment> segments = new ArrayList<>();
        boolean complete = false;
        BlobIterator listing = store.list(directory.asDirectory());
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            String name = info.location().fileName();
            if (name.equals("_COMPLETE")) {
                complete = true;
            }
            SegmentFormat.sequenceOf(name).ifPresent(sequence -> segments.add(new Segment(info, SegmentFormat.ofObjectName(name).orElseThrow())));
        }
        segments.sort(Comparator.comparing(segment -> segment.info().location().fileName()));
        int first = firstSegmentHolding(segments, fromLine);
        long line = fromLine;
        for (int i = first; i < segments.size() && line < toLine; i++) {
            Segment segment = segments.get(i);
            SegmentIndex index = segment.index();
            if (index.endLine() <= line) {
                continue;
            }
            long skip = Math.max(0, line - index.firstLine());
            long take = Math.min(toLine, index.endLine()) - Math.max(line, index.firstLine());
            if (!copyLines(segment, skip, take, sink)) {
                return new Progress(line, false);
            }
            line = Math.max(line, index.firstLine()) + take;
        }
        return new Progress(line, complete && line >= endLine(segments));
    }

    private long endLine(List<Segment> segments) throws IOException {
        if (segments.isEmpty()) {
            return 0;
        }
        return segments.get(segments.size() - 1).index().endLine();
    }

    /** The first segment whose lines end after {@code line}; segments are in line order. */
    private int firstSegmentHolding(List<Segment> segments, long line) throws IOException {
        int low = 0;
        int high = segments.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            Segment segment = segments.get(middle);
            if (segment.index().endLine() <= line) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** Writes {@code take} lines after skipping {@code skip}; a last line without newline counts as one. */
    private boolean copyLines(Segment segment, long skip, long take, Sink sink) throws IOException {
        try (InputStream raw = store.open(segment.info().location());
                InputStream in = new BufferedInputStream(segment.format() == SegmentFormat.ZSTD ? new ZstdInputStream(raw) : new GZIPInputStream(raw),
                        64 * 1024)) {
            byte[] buffer = new byte[64 * 1024];
            long toSkip = skip;
            long toTake = take;
            int read;
            while (toTake > 0 && (read = in.read(buffer)) > 0) {
                int start = 0;
                while (toSkip > 0 && start < read) {
                    if (buffer[start++] == '\n') {
                        toSkip--;
                    }
                }
                int end = start;
                while (end < read && toTake > 0) {
                    if (buffer[end++] == '\n') {
                        toTake--;
                    }
                }
                if (end > start && !sink.write(java.util.Arrays.copyOfRange(buffer, start, end), end - start)) {
                    return false;
                }
            }
            return true;
        } catch (BlobNotFoundException gone) {
            throw new IOException("segment " + segment.info().location() + " is listed but gone", gone);
        }
    }
}
