package io.submarine.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A streaming write of unknown length. Nothing is visible until {@link #close()} commits;
 * if {@code close()} throws, or the writer calls {@link #abort()} instead, the object is left
 * as it was before (absent, or the previous version). Memory use is bounded by the backend's
 * part or block size, never by the object size.
 */
public abstract class BlobOutputStream extends OutputStream {

    /** Discards everything written so far; later calls to {@code close()} do nothing. */
    public abstract void abort() throws IOException;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }
}
