package io.submarine.sidecar.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where temporary files go: {@code java.io.tmpdir}, unless it cannot be written, as in a pod
 * whose root file system is read-only and has no volume at {@code /tmp}. Libraries unpack native
 * code there (zstd's, for one), and fail when they cannot: a log shipper lost its reader thread
 * that way and shipped nothing. A program then uses a directory it writes anyway, its volume.
 */
public final class TempDirectory {
    private TempDirectory() {}

    /**
     * Points {@code java.io.tmpdir} at {@code fallback} (made if missing) when the current one
     * cannot be written. Call it first thing, before anything makes a temporary file: the JDK
     * remembers the directory on first use.
     */
    public static void fallBackTo(Path fallback) {
        Path current = Path.of(System.getProperty("java.io.tmpdir"));
        if (Files.isDirectory(current) && Files.isWritable(current)) {
            return;
        }
        Logger log = LoggerFactory.getLogger(TempDirectory.class);
        try {
            Path directory = Files.createDirectories(fallback).toAbsolutePath();
            System.setProperty("java.io.tmpdir", directory.toString());
            log.info("{} cannot be written (a read-only root file system?): temporary files go to {}", current, directory);
        } catch (IOException e) {
            // The program's own use of that directory reports it, as a configuration error.
            log.warn("{} cannot be written, nor {} made for temporary files: {}", current, fallback, e.toString());
        }
    }
}
