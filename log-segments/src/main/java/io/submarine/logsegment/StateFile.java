package io.submarine.logsegment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A shipper's local state as one small JSON file, replaced atomically: written beside, forced to
 * disk, renamed over. A crash leaves the old file or the new one, never half of one. The log
 * shipper keeps its checkpoint in one, the metrics sidecar what it has reported.
 */
public final class StateFile {

    private final Path file;

    public StateFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** The saved value, or empty if nothing was saved yet; a file that is not JSON is an {@link IOException}. */
    public Optional<Object> load() throws IOException {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException first) {
            return Optional.empty();
        }
        return Optional.ofNullable(SegmentJson.parse(json));
    }

    /** Replaces the saved value with {@code value} (maps, lists, strings, numbers), durably. */
    public void save(Object value) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(SegmentJson.write(value));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
