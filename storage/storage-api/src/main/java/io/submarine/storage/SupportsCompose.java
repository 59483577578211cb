package io.submarine.storage;

import java.io.IOException;
import java.util.List;

/** Backends that concatenate objects on the server without moving the bytes through the client. */
public interface SupportsCompose {
    /** Writes the concatenation of {@code sources}, in order, to {@code target}. */
    void compose(List<Location> sources, Location target, WriteMode mode) throws IOException;
}
