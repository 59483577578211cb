package io.submarine.localizer.archive;

/**
 * How much an archive may unpack to, so a hostile or broken one fails cleanly instead of
 * filling the pod's disk: total bytes, entries, path length and depth, and the ratio of
 * unpacked to compressed bytes (a "zip bomb" expands thousands of times).
 */
public record ArchiveLimits(long maxBytes, long maxEntries, int maxPathLength, int maxDepth, double maxRatio) {

    /** Generous for code and models, small enough that a bomb stops early. */
    public static final ArchiveLimits DEFAULTS = new ArchiveLimits(64L << 30, 1_000_000, 4096, 128, 1000);

    /** Bytes unpacked before the ratio is judged: tiny files compress absurdly well and harmlessly. */
    static final long RATIO_GRACE_BYTES = 16L << 20;

    public ArchiveLimits {
        if (maxBytes <= 0 || maxEntries <= 0 || maxPathLength <= 0 || maxDepth <= 0 || !(maxRatio >= 1)) { // NaN too
            throw new IllegalArgumentException("archive limits must be positive (and the ratio at least 1)");
        }
    }
}
