package io.submarine.storage;

import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * A {@link BlobIterator} written as one method that finds the next object (skipping what a
 * backend must hide: directories, markers, staging files) or says there is none.
 */
public abstract class AbstractBlobIterator implements BlobIterator {

    private BlobInfo next;
    private boolean done;

    /** The next object, or {@code null} when the listing is exhausted. */
    protected abstract BlobInfo computeNext() throws IOException;

    @Override
    public final boolean hasNext() throws IOException {
        if (next == null && !done) {
            next = computeNext();
            done = next == null;
        }
        return next != null;
    }

    @Override
    public final BlobInfo next() throws IOException {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        BlobInfo result = next;
        next = null;
        return result;
    }

    /** A listing with nothing in it. */
    public static BlobIterator empty() {
        return new AbstractBlobIterator() {
            @Override
            protected BlobInfo computeNext() {
                return null;
            }
        };
    }
}
