package io.submarine.localizer;

/**
 * One line of {@code .localized.json}: what was put where, from which URL (password removed),
 * at which revision or digest.
 */
record LocalizedRecord(String name, String type, String url, String target, String revision, long files, long bytes,
        double seconds, boolean unchanged) {}
