package io.submarine.storage;

import java.util.UUID;

/**
 * Names of the hidden sibling files that hierarchical backends (local, HDFS) write into before
 * renaming them into place, so no reader ever sees a partial object. Listings skip them; a
 * crashed writer's leftovers are recognisable and safe to delete.
 */
public final class StagingFiles {

    private static final String PREFIX = ".submarine-staging-";

    private StagingFiles() {}

    /** Room left for the object's own name within the usual 255-byte limit of a file name. */
    private static final int KEPT_NAME_CHARS = 64;

    /** A fresh staging name for an object called {@code fileName} (kept short enough for any file system). */
    public static String nameFor(String fileName) {
        String kept = fileName.length() <= KEPT_NAME_CHARS ? fileName : fileName.substring(0, KEPT_NAME_CHARS);
        return PREFIX + UUID.randomUUID() + "-" + kept;
    }

    public static boolean isStaging(String fileName) {
        return fileName.startsWith(PREFIX);
    }
}
