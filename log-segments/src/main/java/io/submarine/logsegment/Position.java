package io.submarine.logsegment;

/**
 * Where one source stands after the bytes shipped so far, and what it lost on the way.
 *
 * @param anchor what the offset is relative to: a file's identity (device and inode) for files,
 *     the timestamp of the last line for a container's log; empty before the first byte
 * @param fingerprint for files, the file's first bytes (up to 64, as many as were read), in hex:
 *     with the identity it tells the file from another that reused its inode, and finds its copy
 *     or compressed form after rotation; empty otherwise
 * @param offset bytes into the anchored file; for container logs, lines already taken at the
 *     anchor's timestamp
 * @param bytes all bytes this source has shipped
 * @param lines all lines this source has shipped
 * @param modified for files, the anchored file's modification time when last read (nanoseconds
 *     since the epoch): files rotated after it are the ones modified later; 0 if not known
 * @param lostBytes bytes this source is known to have lost: deleted or overwritten before they
 *     were read (a lower bound: a file gone before it was ever seen counts as a gap only)
 * @param gaps times this source lost bytes; each was logged with the file and byte range
 */
public record Position(String anchor, String fingerprint, long offset, long bytes, long lines, long modified, long lostBytes, long gaps) {

    public static final Position START = new Position("", "", 0, 0, 0);

    public Position {
        if (anchor == null || fingerprint == null || offset < 0 || bytes < 0 || lines < 0 || lostBytes < 0 || gaps < 0) {
            throw new IllegalArgumentException("invalid position");
        }
    }

    /** A position without a modification time or losses. */
    public Position(String anchor, String fingerprint, long offset, long bytes, long lines) {
        this(anchor, fingerprint, offset, bytes, lines, 0, 0, 0);
    }

    /** This position moved on by {@code length} bytes and {@code count} lines of the same anchor. */
    public Position advance(long length, long count) {
        return new Position(anchor, fingerprint, offset + length, bytes + length, lines + count, modified, lostBytes, gaps);
    }

    /** The same totals, anchored somewhere new. */
    public Position reanchor(String newAnchor, String newFingerprint, long newOffset) {
        return new Position(newAnchor, newFingerprint, newOffset, bytes, lines, modified, lostBytes, gaps);
    }

    /** With the first bytes of the anchored file as known now. */
    public Position withFingerprint(String newFingerprint) {
        return new Position(anchor, newFingerprint, offset, bytes, lines, modified, lostBytes, gaps);
    }

    /** With the anchored file's modification time as seen now. */
    public Position modifiedAt(long nanos) {
        return new Position(anchor, fingerprint, offset, bytes, lines, nanos, lostBytes, gaps);
    }

    /** With one more gap of {@code length} bytes (0 if not known). */
    public Position lost(long length) {
        return new Position(anchor, fingerprint, offset, bytes, lines, modified, lostBytes + length, gaps + 1);
    }
}
