package io.submarine.storage;

/** What {@link BlobStore#create} does when the object already exists. */
public enum WriteMode {
    /** Replace an existing object atomically: readers see the old or the new object, never a mix. */
    OVERWRITE,
    /**
     * Commit only if no object exists at close; otherwise {@code close()} throws
     * {@link BlobExistsException} and nothing changes. When writers race, exactly one wins.
     */
    CREATE_IF_ABSENT
}
