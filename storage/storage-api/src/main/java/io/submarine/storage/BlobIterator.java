package io.submarine.storage;

import java.io.IOException;

/** A lazy listing: pages are fetched from the backend as the caller advances. */
public interface BlobIterator {
    boolean hasNext() throws IOException;

    BlobInfo next() throws IOException;
}
