package io.submarine.logshipper.source;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rotated siblings of a live log file: in its directory, named as rotation names it (the live
 * name, a separator, then something with a digit: {@code app.log.1}, {@code app.log-20261207},
 * {@code app.log.2.gz}), or matching {@code --rotated-glob}. Compressed ones (gzip, zstd, xz,
 * bzip2, by their magic bytes) are read through their decompressor.
 *
 * <p>Rotation order is modification order: a rotated file is not written after the file that
 * came next has its first line, and logrotate keeps the time when it compresses.
 */
public final class RotatedFiles {

    /** How many first bytes tell files apart (see {@link io.submarine.logsegment.Position#fingerprint}). */
    static final int HEAD_BYTES = 64;
    private static final Pattern ROTATION_SUFFIX = Pattern.compile("[.\\-_].*\\d.*");
    private static final Pattern NUMBER = Pattern.compile("[.\\-_](\\d{1,6})(\\.[a-z0-9]+)?$");

    /**
     * One file beside the live one, as seen by one listing.
     *
     * @param key its identity (device and inode)
     * @param head its first bytes (decompressed), up to {@link #HEAD_BYTES}
     */
    public record Sibling(Path path, String key, boolean compressed, long modified, long size, byte[] head) {
        /** Whether this file begins with {@code fingerprint}, the first bytes of a file read before. */
        boolean startsWith(byte[] fingerprint) {
            return head.length >= fingerprint.length && Arrays.equals(head, 0, fingerprint.length, fingerprint, 0, fingerprint.length);
        }
    }

    private final Path live;
    private final PathMatcher rotatedGlob;
    /**
     * Siblings as last listed, by identity: one unchanged since (size and time) has the same first
     * bytes, so a listing does not open and decompress every rotation kept again.
     */
    private Map<String, Sibling> listed = Map.of();

    /** @param rotatedGlob file names (in the live file's directory) that are its rotations too; null for none */
    public RotatedFiles(Path live, PathMatcher rotatedGlob) {
        this.live = live;
        this.rotatedGlob = rotatedGlob;
    }

    /** Whether {@code file}'s name makes it a rotation of {@code live}'s. */
    public static boolean isRotationOf(Path file, Path live, PathMatcher rotatedGlob) {
        if (file.equals(live) || !java.util.Objects.equals(file.getParent(), live.getParent())) {
            return false;
        }
        String name = file.getFileName().toString();
        String liveName = live.getFileName().toString();
        return name.startsWith(liveName) && ROTATION_SUFFIX.matcher(name.substring(liveName.length())).matches()
                || rotatedGlob != null && rotatedGlob.matches(file.getFileName());
    }

    /** The rotated siblings now, oldest first; ones that vanish or cannot be read meanwhile are passed over. */
    public List<Sibling> list() throws IOException {
        List<Sibling> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(live.getParent())) {
            for (Path file : files) {
                if (isRotationOf(file, live, rotatedGlob)) {
                    Sibling sibling = describe(file, listed);
                    if (sibling != null) {
                        found.add(sibling);
                    }
                }
            }
        }
        Map<String, Sibling> byKey = new HashMap<>();
        found.forEach(sibling -> byKey.put(sibling.key(), sibling));
        listed = byKey;
        found.sort(Comparator.comparingLong(Sibling::modified).thenComparing(RotatedFiles::rotationNumber, Comparator.reverseOrder())
                .thenComparing(sibling -> sibling.path().getFileName().toString()));
        return found;
    }

    /** app.log.3 was rotated before app.log.2: a higher number is older (for files with the same time). */
    private static long rotationNumber(Sibling sibling) {
        Matcher number = NUMBER.matcher(sibling.path().getFileName().toString());
        return number.find() ? Long.parseLong(number.group(1)) : 0;
    }

    /** {@code file} as a sibling, or null if it is not a regular file the shipper can read now; {@code known} may already say. */
    private static Sibling describe(Path file, Map<String, Sibling> known) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() || attributes.fileKey() == null) {
                return null;
            }
            String key = attributes.fileKey().toString();
            long modified = modifiedNanos(attributes);
            Sibling before = known.get(key);
            if (before != null && before.path().equals(file) && before.modified() == modified && before.size() == attributes.size()) {
                return before;
            }
            try (LogFile opened = LogFile.open(file)) {
                return new Sibling(file, key, opened.compressed(), modified, attributes.size(), opened.head(HEAD_BYTES));
            } catch (IOException goneOrUnfinished) {
                // Gone meanwhile, or a compressed file still being written (logrotate compressing it): not this listing's.
                return null;
            }
        } catch (NoSuchFileException | AccessDeniedException gone) {
            return null;
        }
    }

    /** A file's modification time in nanoseconds since the epoch: rotation order. */
    static long modifiedNanos(BasicFileAttributes attributes) {
        FileTime time = attributes.lastModifiedTime();
        return time.toInstant().getEpochSecond() * 1_000_000_000L + time.toInstant().getNano();
    }
}
