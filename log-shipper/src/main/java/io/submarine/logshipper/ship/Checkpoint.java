package io.submarine.logshipper.ship;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each stream's state as of its last committed segment, in one file replaced atomically (written
 * beside, forced to disk, renamed over), so a crash leaves the old or the new file, never half.
 * It lets the shipper start reading before storage answers; the remote's last segment still has
 * the last word (see {@link Recovery}).
 */
public final class Checkpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, StreamState> states;

    private Checkpoint(Path file, Map<String, StreamState> states) {
        this.file = file;
        this.states = states;
    }

    public static Checkpoint load(Path file) throws IOException {
        try {
            Map<String, StreamState> states = JSON.readValue(Files.readAllBytes(file), new TypeReference<TreeMap<String, StreamState>>() {});
            return new Checkpoint(file, states);
        } catch (NoSuchFileException first) {
            return new Checkpoint(file, new TreeMap<>());
        } catch (com.fasterxml.jackson.core.JacksonException damaged) {
            // Only a damaged disk gets here (writes are atomic); the remote still knows where each stream stands.
            LOG.warn("checkpoint {} is unreadable ({}); resuming from what storage holds", file, damaged.getOriginalMessage());
            return new Checkpoint(file, new TreeMap<>());
        }
    }

    public synchronized StreamState get(String stream) {
        return states.getOrDefault(stream, StreamState.EMPTY);
    }

    public synchronized void save(String stream, StreamState state) throws IOException {
        states.put(stream, state);
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(states)));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
