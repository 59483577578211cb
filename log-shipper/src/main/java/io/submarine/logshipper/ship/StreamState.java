package io.submarine.logshipper.ship;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SegmentIndex;
import java.util.Map;

/**
 * A stream as of its last committed segment: the next sequence number, the totals, and where
 * each source stood. What the checkpoint file holds, and what a segment's index gives back.
 */
public record StreamState(long nextSequence, long bytes, long lines, Map<String, Position> positions) {

    public static final StreamState EMPTY = new StreamState(0, 0, 0, Map.of());

    public StreamState {
        positions = Map.copyOf(positions);
    }

    public static StreamState after(SegmentIndex index) {
        return new StreamState(index.sequence() + 1, index.endByte(), index.endLine(), index.positions());
    }
}
