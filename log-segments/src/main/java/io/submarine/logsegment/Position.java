package io.submarine.logsegment;

/**
 * Where one source stands after the bytes shipped so far.
 *
 * @param anchor what the offset is relative to: a file's identity (device and inode) for files,
 *     the timestamp of the last line for a container's log; empty before the first byte
 * @param fingerprint for files, a digest of the file's first bytes, to recognize its copy after
 *     copy-truncate rotation; empty otherwise
 * @param offset bytes into the anchored file; for container logs, lines already taken at the
 *     anchor's timestamp
 * @param bytes all bytes this source has shipped
 * @param lines all lines this source has shipped
 */
public record Position(String anchor, String fingerprint, long offset, long bytes, long lines) {

    public static final Position START = new Position("", "", 0, 0, 0);

    public Position {
        if (anchor == null || fingerprint == null || offset < 0 || bytes < 0 || lines < 0) {
            throw new IllegalArgumentException("invalid position");
        }
    }

    /** This position moved on by {@code length} bytes and {@code count} lines of the same anchor. */
    public Position advance(long length, long count) {
        return new Position(anchor, fingerprint, offset + length, bytes + length, lines + count);
    }

    /** The same totals, anchored somewhere new. */
    public Position reanchor(String newAnchor, String newFingerprint, long newOffset) {
        return new Position(newAnchor, newFingerprint, newOffset, bytes, lines);
    }
}
