package io.submarine.sidecar.lifecycle;

import io.submarine.sidecar.log.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The last error, written where Kubernetes reads it ({@code /dev/termination-log} by default), so
 * {@code kubectl describe pod} shows it. Written atomically (aside, then renamed) so a reader
 * never sees half a message, redacted, and cut to the 4096 bytes Kubernetes keeps.
 */
public final class TerminationMessage {

    static final int MAX_BYTES = 4096;

    private final Path path;
    private final Redactor redactor;

    public TerminationMessage(Path path, Redactor redactor) {
        this.path = path;
        this.redactor = redactor;
    }

    /** Where {@code environment} says (the variable {@link Program#TERMINATION_MESSAGE_ENV}), redacted globally. */
    public static TerminationMessage of(java.util.Map<String, String> environment) {
        return new TerminationMessage(Path.of(environment.getOrDefault(Program.TERMINATION_MESSAGE_ENV, Program.DEFAULT_TERMINATION_MESSAGE)),
                Redactor.global());
    }

    public Path path() {
        return path;
    }

    public void write(String message) throws IOException {
        byte[] bytes = redactor.redact(message).getBytes(StandardCharsets.UTF_8);
        int length = bytes.length;
        if (length > MAX_BYTES) {
            length = MAX_BYTES;
            // Don't cut a UTF-8 sequence in half.
            while (length > 0 && (bytes[length] & 0xC0) == 0x80) {
                length--;
            }
        }
        byte[] content = java.util.Arrays.copyOf(bytes, length);
        Path parent = path.toAbsolutePath().getParent();
        try {
            Path aside = Files.createTempFile(parent, ".termination-", ".tmp");
            try {
                Files.write(aside, content);
                Files.move(aside, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(aside);
            }
        } catch (IOException renameRefused) {
            // /dev/termination-log is a file Kubernetes bind-mounts: it can be written, not replaced.
            Files.write(path, content);
        }
    }
}
