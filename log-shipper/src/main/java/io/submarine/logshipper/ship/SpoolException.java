package io.submarine.logshipper.ship;

import java.io.IOException;

/**
 * Writing a stream's open segment to the spool failed (a full disk, say). Unlike a log file that
 * cannot be read, which only waits, this stops reading: what the stream holds is in doubt, and a
 * restart recovers it from the checkpoint.
 */
public final class SpoolException extends IOException {

    public SpoolException(String streamKey, IOException cause) {
        super("writing stream " + streamKey + " to the spool failed: " + cause.getMessage(), cause);
    }
}
