package io.submarine.logsegment;

import java.util.List;
import java.util.Map;

/**
 * What a segment holds, stored inside it: which bytes of which source are where (so any line
 * range can be served back), the stream's running totals, and where every source of the stream
 * stood after it (so a restart resumes from the last committed segment alone).
 *
 * @param firstByte the stream's byte offset of the segment's first byte
 * @param firstLine the stream's line number (from 0) of the segment's first line
 */
public record SegmentIndex(int format, String stream, int restart, long sequence, long firstByte, long firstLine, long bytes, long lines,
        List<Run> runs, Map<String, Position> positions, String opened, String sealed) {

    public static final int FORMAT = 1;

    /** A stretch of the segment that comes from one source, contiguous in both. */
    public record Run(String source, long segmentOffset, long length, long sourceByte, long sourceLine, long lines) {}

    public SegmentIndex {
        runs = List.copyOf(runs);
        positions = Map.copyOf(positions);
    }

    /** The stream's totals after this segment. */
    public long endByte() {
        return firstByte + bytes;
    }

    public long endLine() {
        return firstLine + lines;
    }
}
