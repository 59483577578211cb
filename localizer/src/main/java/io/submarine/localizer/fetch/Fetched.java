package io.submarine.localizer.fetch;

/**
 * What a fetch put in place.
 *
 * @param revision the resolved git commit, or {@code sha256:<hex>} of an archive or file, or
 *     {@code manifest-sha256:<hex>} of a model version's manifest
 */
public record Fetched(String revision, long files, long bytes) {}
