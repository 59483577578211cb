package io.submarine.localizer.archive;

import java.util.ArrayList;
import java.util.List;

/**
 * An archive entry's name checked and taken apart before anything touches the disk. Names are
 * split on both {@code /} and {@code \} (archives made on Windows), so no spelling of a parent
 * reference or an absolute path gets through.
 */
final class EntryPath {
    private EntryPath() {}

    /**
     * The name's segments after {@code stripComponents} leading ones are dropped; empty when the
     * entry lies entirely inside the stripped prefix.
     *
     * @throws UnsafeArchiveException for an empty, absolute or climbing name, or one over the limits
     */
    static List<String> segments(String name, int stripComponents, ArchiveLimits limits) throws UnsafeArchiveException {
        if (name == null || name.isEmpty()) {
            throw new UnsafeArchiveException("an entry has an empty file name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeArchiveException("entry name contains a NUL character: " + printable(name));
        }
        if (name.length() > limits.maxPathLength()) {
            throw new UnsafeArchiveException("entry name is longer than " + limits.maxPathLength() + " characters: " + printable(name.substring(0, 80)) + "…");
        }
        String unified = name.replace('\\', '/');
        if (unified.startsWith("/") || isDriveLetter(unified)) {
            throw new UnsafeArchiveException("entry has an absolute path: " + printable(name));
        }
        List<String> segments = new ArrayList<>();
        for (String segment : unified.split("/")) {
            if (segment.equals("..")) {
                throw new UnsafeArchiveException("entry climbs out of the target with '..': " + printable(name));
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        if (segments.size() > limits.maxDepth()) {
            throw new UnsafeArchiveException("entry is nested deeper than " + limits.maxDepth() + " directories: " + printable(name));
        }
        return segments.size() <= stripComponents ? List.of() : segments.subList(stripComponents, segments.size());
    }

    /** "C:…": a Windows absolute path. A plain check, since every entry of an archive passes here. */
    private static boolean isDriveLetter(String name) {
        return name.length() >= 2 && name.charAt(1) == ':' && (name.charAt(0) | 0x20) >= 'a' && (name.charAt(0) | 0x20) <= 'z';
    }

    static String printable(String name) {
        return name.replaceAll("\\p{Cntrl}", "?");
    }
}
