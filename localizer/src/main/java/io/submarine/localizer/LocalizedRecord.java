package io.submarine.localizer;

import java.util.Map;

/**
 * One line of {@code .localized.json}: what was put where, from which URL (password removed),
 * at which revision or digest, with which options shaping the tree (see {@code Source.treeOptions}).
 */
record LocalizedRecord(String name, String type, String url, String target, String revision, long files, long bytes,
        double seconds, boolean unchanged, Map<String, Object> options) {}
