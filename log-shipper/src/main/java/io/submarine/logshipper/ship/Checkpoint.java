package io.submarine.logshipper.ship;

import io.submarine.logsegment.SegmentJson;
import io.submarine.logsegment.StateFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each stream's durable state (see {@link StreamState}), in one {@link StateFile}, so a crash
 * leaves the old state or the new one, never half. Streams save it each time they sync or seal;
 * the remote's last segment still has the last word when it is ahead (see {@link Recovery}).
 */
public final class Checkpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);

    private final StateFile file;
    private final Map<String, StreamState> states;

    private Checkpoint(StateFile file, Map<String, StreamState> states) {
        this.file = file;
        this.states = states;
    }

    public static Checkpoint load(Path path) throws IOException {
        StateFile file = new StateFile(path);
        try {
            Optional<Object> saved = file.load();
            Map<String, StreamState> states = new TreeMap<>();
            if (saved.isEmpty()) {
                return new Checkpoint(file, states);
            }
            for (Map.Entry<String, Object> stream : SegmentJson.object(saved.get(), "a checkpoint").entrySet()) {
                Map<String, Object> state = SegmentJson.object(stream.getValue(), "the state of " + stream.getKey());
                states.put(stream.getKey(), new StreamState(SegmentJson.number(state, "nextSequence"), SegmentJson.number(state, "bytes"),
                        SegmentJson.number(state, "lines"), SegmentJson.positionsFromJson(SegmentJson.object(state, "positions")),
                        state.get("open") == null ? null : openFromJson(SegmentJson.object(state, "open"))));
            }
            return new Checkpoint(file, states);
        } catch (IOException damaged) {
            // Only a damaged disk gets here (writes are atomic); the remote still knows where each stream stands.
            LOG.warn("checkpoint {} is unreadable ({}); resuming from what storage holds", path, damaged.getMessage());
            return new Checkpoint(file, new TreeMap<>());
        }
    }

    /** Whether this work directory has saved a state for {@code stream}. */
    public synchronized boolean has(String stream) {
        return states.containsKey(stream);
    }

    public synchronized StreamState get(String stream) {
        return states.getOrDefault(stream, StreamState.EMPTY);
    }

    public synchronized void save(String stream, StreamState state) throws IOException {
        states.put(stream, state);
        file.save(json());
    }

    private Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        states.forEach((stream, state) -> json.put(stream, SegmentJson.fields("nextSequence", state.nextSequence(), "bytes", state.bytes(),
                "lines", state.lines(), "positions", SegmentJson.positionsToJson(state.positions()), "open", openToJson(state.open()))));
        return json;
    }

    private static Map<String, Object> openToJson(StreamState.OpenSegment open) {
        if (open == null) {
            return null;
        }
        return SegmentJson.fields("file", open.file(), "length", open.length(), "firstByte", open.firstByte(), "firstLine", open.firstLine(),
                "opened", open.opened(), "runs", SegmentJson.runsToJson(open.runs()), "before", SegmentJson.positionsToJson(open.before()));
    }

    private static StreamState.OpenSegment openFromJson(Map<String, Object> open) throws IOException {
        return new StreamState.OpenSegment(SegmentJson.text(open, "file"), SegmentJson.number(open, "length"), SegmentJson.number(open, "firstByte"),
                SegmentJson.number(open, "firstLine"), SegmentJson.text(open, "opened"), SegmentJson.runsFromJson(SegmentJson.array(open, "runs")),
                SegmentJson.positionsFromJson(SegmentJson.object(open, "before")));
    }
}
