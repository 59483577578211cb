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

    /** A fresh staging name for an object called {@code fileName}. */
    public static String nameFor(String fileName) {
        return PREFIX + UUID.randomUUID() + "-" + fileName;
    }

    public static boolean isStaging(String fileName) {
        return fileName.startsWith(PREFIX);
    }
}
