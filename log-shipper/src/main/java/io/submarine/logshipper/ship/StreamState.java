package io.submarine.logshipper.ship;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SegmentIndex;
import java.util.List;
import java.util.Map;

/**
 * A stream as far as it is durable, in storage or in the local spool: the next sequence number,
 * the totals, where each source stood, and the open segment's synced part if there is one. What
 * the checkpoint file holds, and (without an open segment) what a segment's index gives back.
 */
public record StreamState(long nextSequence, long bytes, long lines, Map<String, Position> positions, OpenSegment open) {

    public static final StreamState EMPTY = new StreamState(0, 0, 0, Map.of(), null);

    public StreamState {
        positions = Map.copyOf(positions);
    }

    public StreamState(long nextSequence, long bytes, long lines, Map<String, Position> positions) {
        this(nextSequence, bytes, lines, positions, null);
    }

    public static StreamState after(SegmentIndex index) {
        return new StreamState(index.sequence() + 1, index.endByte(), index.endLine(), index.positions(), null);
    }

    /**
     * The synced part of the segment being written (sequence {@code nextSequence}): its file's first
     * {@code length} bytes hold {@code runs}; {@code before} is where the sources stood when it
     * was opened, to read again from should the file be lost.
     */
    public record OpenSegment(String file, long length, long firstByte, long firstLine, String opened, List<SegmentIndex.Run> runs,
            Map<String, Position> before) {
        public OpenSegment {
            runs = List.copyOf(runs);
            before = Map.copyOf(before);
        }
    }

    /** The state before the open segment: what is durable if its file cannot be read back. */
    public StreamState withoutOpen() {
        return open == null ? this : new StreamState(nextSequence, open.firstByte(), open.firstLine(), open.before(), null);
    }
}
