package io.submarine.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;

/**
 * Objects in one kind of storage, addressed by {@link Location}.
 *
 * <p>The contract, checked for every backend by {@code BlobStoreContractTest} against a real
 * server:
 * <ul>
 *   <li>An object is absent or complete: a reader never sees a partial write.
 *   <li>{@link WriteMode#CREATE_IF_ABSENT} is atomic: of racing writers exactly one wins.
 *   <li>Memory does not grow with object size.
 *   <li>Failures are {@link BlobStoreException} subtypes carrying the location, never a secret.
 * </ul>
 *
 * <p>Blob stores and file systems differ: blob stores have no directories, so a "directory"
 * here is only a key prefix ending in {@code /}. Hierarchical backends (local, HDFS) create
 * parent directories on write and stage writes in hidden sibling files that listings skip.
 *
 * <p>Optional abilities ({@link SupportsAppend}, {@link SupportsCompose}, {@link SupportsRename})
 * are asked for with {@link #capability}; a backend that cannot do one well does not fake it.
 */
public interface BlobStore extends Closeable {

    /**
     * Size, modification time and version of a complete object.
     *
     * @throws BlobNotFoundException if there is no object at {@code location}
     */
    BlobInfo stat(Location location) throws IOException;

    /** Streams the whole object. */
    InputStream open(Location location) throws IOException;

    /**
     * Streams {@code length} bytes starting at {@code offset}; fewer when the object ends
     * first, none when {@code offset} is at or past the end.
     */
    InputStream open(Location location, long offset, long length) throws IOException;

    /** Starts a streaming write; see {@link BlobOutputStream} for when it becomes visible. */
    BlobOutputStream create(Location location, WriteMode mode) throws IOException;

    /**
     * Every complete object below {@code directory} (taken as a prefix ending in {@code /}),
     * at any depth, in no promised order. An absent directory lists nothing.
     */
    BlobIterator list(Location directory) throws IOException;

    /** Deletes one object; deleting an absent object is not an error. */
    void delete(Location location) throws IOException;

    /** Deletes many objects; backends with a batch call override this. */
    default void deleteAll(Collection<Location> locations) throws IOException {
        for (Location location : locations) {
            delete(location);
        }
    }

    /** This store seen as {@code type} if it has that ability, e.g. {@code capability(SupportsAppend.class)}. */
    default <T> Optional<T> capability(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /**
     * Copies {@code source} to a new object; the object is committed only if the whole stream
     * was read, and aborted (nothing visible) if reading or writing fails.
     *
     * @return the number of bytes written
     */
    default long write(Location location, InputStream source, WriteMode mode) throws IOException {
        BlobOutputStream out = create(location, mode);
        long written;
        try {
            written = source.transferTo(out);
        } catch (IOException | RuntimeException | Error e) {
            try {
                out.abort();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        out.close();
        return written;
    }

    @Override
    default void close() throws IOException {}
}
