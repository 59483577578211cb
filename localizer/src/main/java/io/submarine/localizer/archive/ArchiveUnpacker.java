package io.submarine.localizer.archive;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveException;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.ArchiveStreamFactory;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/**
 * Unpacks tar (plain, gzip, bzip2, xz, zstd), zip, or a single compressed file into an empty
 * directory, detecting the format from the bytes, never the name. Tar streams are unpacked as
 * they arrive; a zip is spooled to a file beside the target first, since its index is at the end.
 *
 * <p>Safe by construction: every name is checked before use; nothing is written through a
 * symbolic link; a symbolic link must resolve inside the target, following the links already
 * unpacked (so a chain can't climb out); a hard link must name a regular file unpacked before it;
 * devices and FIFOs are refused; limits stop bombs. A failure leaves whatever was unpacked in
 * the directory for the caller to discard (the localizer unpacks into a staging directory).
 */
public final class ArchiveUnpacker {

    private static final int MAX_LINK_HOPS = 40;
    private static final int SNIFF_BYTES = 1024;

    private final ArchiveLimits limits;
    private final int stripComponents;
    /** Written by the unpacking thread, read by whoever logs progress. */
    private volatile long filesUnpacked;

    public ArchiveUnpacker(ArchiveLimits limits, int stripComponents) {
        if (stripComponents < 0) {
            throw new IllegalArgumentException("strip-components must not be negative");
        }
        this.limits = limits;
        this.stripComponents = stripComponents;
    }

    /** Files (and hard links) written so far by the unpack under way, for progress. */
    public long filesUnpacked() {
        return filesUnpacked;
    }

    /** What was unpacked. */
    public record Result(String format, long files, long bytes) {}

    /**
     * Unpacks {@code source} into {@code target}, an existing empty directory. On success the
     * source has been read to its end, bytes after the archive's included, and is touched no more.
     *
     * @param sourceName the archive's name, only to name the output of a single compressed file
     */
    public Result unpack(InputStream source, String sourceName, Path target) throws IOException {
        Path root = target.toRealPath();
        ContentInputStream.Source watched = new ContentInputStream.Source(source);
        // Three stages on their own threads, as tar with a zstd or gzip process beside it, plus
        // the download: reading (and the caller's hashing), decompressing, unpacking and writing.
        // 8 MiB in flight at most between each two.
        InputStream read = new ReadAheadInputStream(watched, 8, 1 << 20);
        // Counted as decompression consumes it, not as it is read ahead: the ratio limit must not
        // grant a bomb the bytes waiting in the read-ahead.
        CountingInputStream counted = new CountingInputStream(read);
        InputStream in = new BufferedInputStream(counted, 64 * 1024);
        InputStream decompressed = in;
        InputStream compressor = null;
        try {
            String compression = detectCompression(peek(in));
            if (compression != null) {
                try {
                    compressor = compression.equals(CompressorStreamFactory.GZIP) ? new GzipMembers(in)
                            : new CompressorStreamFactory(true, (int) Math.min(Integer.MAX_VALUE, limits.maxBytes() / 1024))
                                    .createCompressorInputStream(compression, in, true);
                    decompressed = new BufferedInputStream(new ReadAheadInputStream(compressor, 8, 1 << 20), 64 * 1024);
                } catch (IOException e) { // a CompressorException too
                    throw watched.failure() != null ? watched.failure()
                            : new UnsafeArchiveException("cannot read the " + compression + " stream: " + e.getMessage(), e);
                }
            }
            InputStream content = new ContentInputStream(decompressed, watched, compression == null ? "the archive" : "the archive's " + compression + " stream");
            Writer writer = new Writer(root, counted);
            byte[] head = peek(content);
            String archive = detectArchive(head);
            String format = (archive == null ? "file" : archive) + (compression == null ? "" : "+" + compression);
            if (archive == null) {
                if (compression == null) {
                    throw new UnsafeArchiveException("not an archive or compressed file this localizer knows (tar, zip, gzip, bzip2, xz, zstd)" + guess(head));
                }
                writer.file(List.of(singleFileName(compressor, sourceName)), content, 0644);
            } else if (archive.equals(ArchiveStreamFactory.ZIP)) {
                unpackZip(content, root, writer);
            } else {
                unpackStream(content, archive, writer, watched);
            }
            // Read each stage to its end, so the reading threads are done with the source before
            // the caller reads what follows (its digest covers every byte).
            content.transferTo(OutputStream.nullOutputStream());
            in.transferTo(OutputStream.nullOutputStream());
            return new Result(format, writer.files, writer.bytes);
        } finally {
            decompressed.close(); // stops the reading threads; the caller's stream stays open
            read.close();
        }
    }

    /**
     * The first bytes of {@code in}, which stays where it was. Read here rather than by the
     * format detectors, which take a failure to read for "not this format".
     */
    private static byte[] peek(InputStream in) throws IOException {
        in.mark(SNIFF_BYTES);
        try {
            return in.readNBytes(SNIFF_BYTES);
        } finally {
            in.reset();
        }
    }

    private static String detectCompression(byte[] head) {
        try {
            return CompressorStreamFactory.detect(new ByteArrayInputStream(head));
        } catch (CompressorException notCompressed) {
            return null;
        }
    }

    private static String detectArchive(byte[] head) {
        try {
            String type = ArchiveStreamFactory.detect(new ByteArrayInputStream(head));
            return switch (type) {
                case ArchiveStreamFactory.TAR, ArchiveStreamFactory.ZIP -> type;
                default -> null;
            };
        } catch (ArchiveException notAnArchive) {
            return null;
        }
    }

    /**
     * What the bytes look like when a web server sent something else than the archive: an error
     * or sign-in page with status 200 is the usual cause. Only the kind is said, never the bytes.
     */
    private static String guess(byte[] head) {
        String text = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(Locale.ROOT);
        if (text.startsWith("<!doctype html") || text.startsWith("<html")) {
            return "; it is an HTML page: an error or sign-in page served in its place? Check the URL and credentials";
        }
        if (text.startsWith("<?xml") || text.startsWith("{")) {
            return "; it is " + (text.startsWith("{") ? "JSON" : "XML") + ": an error response served in its place? Check the URL and credentials";
        }
        return "";
    }

    private static String singleFileName(InputStream compressor, String sourceName) {
        if (compressor instanceof GzipMembers gzip && gzip.fileName() != null) {
            String name = Path.of(gzip.fileName().replace('\\', '/')).getFileName().toString();
            if (!name.isEmpty() && !name.equals("..") && !name.equals(".")) {
                return name;
            }
        }
        String base = sourceName == null || sourceName.isBlank() ? "data" : Path.of(sourceName).getFileName().toString();
        String stripped = base.replaceFirst("(?i)\\.(gz|tgz|gzip|bz2|xz|zst|zstd)$", "");
        // A name without the usual suffix still needs one that differs from the compressed file's.
        return stripped.isEmpty() ? "data" : stripped.equals(base) ? base + ".out" : stripped;
    }

    private void unpackStream(InputStream in, String type, Writer writer, ContentInputStream.Source source) throws IOException {
        ArchiveInputStream<?> archive;
        try {
            archive = type.equals(ArchiveStreamFactory.TAR) ? new CheckedTarInputStream(in) : new ArchiveStreamFactory().createArchiveInputStream(type, in);
        } catch (ArchiveException e) {
            throw new UnsafeArchiveException("cannot read the " + type + " archive: " + e.getMessage(), e);
        }
        // The tar reader's own complaints (a truncated entry, say) come from above the content stream.
        InputStream entryContent = new ContentInputStream(archive, source, "the " + type + " archive");
        ArchiveEntry entry;
        while ((entry = nextEntry(archive, type, source)) != null) {
            if (entry instanceof TarArchiveEntry tar) {
                writer.tarEntry(tar, entryContent);
            }
        }
    }

    private static ArchiveEntry nextEntry(ArchiveInputStream<?> archive, String type, ContentInputStream.Source source) throws IOException {
        try {
            return archive.getNextEntry();
        } catch (IOException e) {
            throw ContentInputStream.classify(e, source, "the " + type + " archive");
        }
    }

    /**
     * A zip is read from its end, so it is spooled whole first: beside the root and named after
     * it, so that whoever clears the root's leftovers after a crash clears the spool too.
     */
    private void unpackZip(InputStream in, Path root, Writer writer) throws IOException {
        Path spool = root.resolveSibling(root.getFileName() + ".zip-spool");
        try {
            Files.copy(in, spool);
            try (ZipFile zip = ZipFile.builder().setPath(spool).get()) {
                Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
                while (entries.hasMoreElements()) {
                    ZipArchiveEntry entry = entries.nextElement();
                    try (InputStream content = zip.getInputStream(entry)) {
                        writer.zipEntry(entry, content);
                    }
                }
            } catch (IOException e) {
                if (e instanceof UnsafeArchiveException) {
                    throw e;
                }
                throw new UnsafeArchiveException("malformed zip archive: " + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /** Writes entries under the root, keeping count against the limits. */
    private final class Writer {
        private final Path root;
        private final CountingInputStream compressed;
        /**
         * Directories this writer made or checked. They stay directories: no entry may replace a
         * directory (with a file, a link or a hard link), so they need no second look, which
         * saves several system calls per path segment on archives with many files.
         */
        private final java.util.Set<Path> knownDirectories = new java.util.HashSet<>();
        /** One copy buffer for every file: a tree of many files makes no garbage for it. */
        private final byte[] buffer = new byte[64 * 1024];
        long files;
        long bytes;
        long entries;

        Writer(Path root, CountingInputStream compressed) {
            this.root = root;
            this.compressed = compressed;
        }

        void tarEntry(TarArchiveEntry entry, InputStream content) throws IOException {
            List<String> path = admit(entry.getName());
            if (path.isEmpty()) {
                return;
            }
            if (entry.isSymbolicLink()) {
                symlink(path, entry.getLinkName());
            } else if (entry.isLink()) {
                hardLink(path, entry.getLinkName());
            } else if (entry.isDirectory()) {
                directory(path);
            } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                throw new UnsafeArchiveException("archive holds a device or FIFO, which a code or model tree never needs: " + String.join("/", path));
            } else if (entry.isFile()) {
                file(path, content, entry.getMode());
            }
            // Other kinds (PAX and GNU headers, sparse maps) are consumed by the reader itself.
        }

        void zipEntry(ZipArchiveEntry entry, InputStream content) throws IOException {
            List<String> path = admit(entry.getName());
            if (path.isEmpty()) {
                return;
            }
            if (entry.isUnixSymlink()) {
                byte[] link = content.readNBytes(limits.maxPathLength() + 1);
                symlink(path, new String(link, java.nio.charset.StandardCharsets.UTF_8));
            } else if (entry.isDirectory()) {
                directory(path);
            } else {
                int mode = entry.getUnixMode();
                file(path, content, mode == 0 ? 0644 : mode);
            }
        }

        private List<String> admit(String name) throws UnsafeArchiveException {
            if (++entries > limits.maxEntries()) {
                throw new UnsafeArchiveException("archive has more than " + limits.maxEntries() + " entries");
            }
            return EntryPath.segments(name, stripComponents, limits);
        }

        /**
         * The path of {@code segments}, after checking that no directory on the way is a
         * symbolic link, and that the entry would not replace one.
         */
        private Path placeFor(List<String> segments) throws IOException {
            Path place = pathFor(segments);
            refuseReplacingLink(place, segments);
            return place;
        }

        /** The path of {@code segments}, its parents made (or checked to be directories, not links). */
        private Path pathFor(List<String> segments) throws IOException {
            Path current = root;
            for (int i = 0; i < segments.size() - 1; i++) {
                current = current.resolve(segments.get(i));
                if (!knownDirectories.contains(current)) {
                    makeDirectory(current, segments, false);
                }
            }
            return current.resolve(segments.get(segments.size() - 1));
        }

        /**
         * Makes {@code directory}, or checks that what is there is one. Made first and checked
         * only when something is there: most entries are new, and a check that finds nothing
         * costs an exception.
         */
        private void makeDirectory(Path directory, List<String> segments, boolean isTheEntry) throws IOException {
            try {
                Files.createDirectory(directory);
            } catch (FileAlreadyExistsException taken) {
                if (Files.isSymbolicLink(directory)) {
                    throw new UnsafeArchiveException("entry " + String.join("/", segments) + (isTheEntry
                            ? " would replace the symbolic link unpacked before it"
                            : " would be written through the symbolic link " + root.relativize(directory)));
                }
                if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                    throw new UnsafeArchiveException("entry " + String.join("/", segments) + " needs " + root.relativize(directory) + " to be a directory, but it is a file");
                }
            }
            knownDirectories.add(directory);
        }

        void directory(List<String> segments) throws IOException {
            Path place = pathFor(segments);
            if (!knownDirectories.contains(place)) {
                makeDirectory(place, segments, true);
            }
        }

        private void refuseReplacingLink(Path place, List<String> segments) throws UnsafeArchiveException {
            if (Files.isSymbolicLink(place)) {
                throw new UnsafeArchiveException("entry " + String.join("/", segments) + " would replace the symbolic link unpacked before it");
            }
        }

        /** A link or file may replace an earlier file or link of the same name, never a directory. */
        private void refuseReplacingDirectory(Path place, List<String> segments) throws UnsafeArchiveException {
            if (Files.isDirectory(place, LinkOption.NOFOLLOW_LINKS)) {
                throw new UnsafeArchiveException("entry " + String.join("/", segments) + " would replace a directory the archive made");
            }
        }

        void file(List<String> segments, InputStream content, int mode) throws IOException {
            Path place = pathFor(segments);
            OutputStream created;
            try {
                created = Files.newOutputStream(place, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (FileAlreadyExistsException taken) {
                // A later entry of the same name replaces an earlier file, as tar does; never a link or directory.
                refuseReplacingLink(place, segments);
                refuseReplacingDirectory(place, segments);
                Files.delete(place);
                created = Files.newOutputStream(place, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            }
            try (OutputStream out = created) {
                for (int n; (n = content.read(buffer)) > 0; ) {
                    bytes += n;
                    checkSize();
                    out.write(buffer, 0, n);
                }
            }
            filesUnpacked = ++files;
            if ((mode & 0111) != 0) {
                Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(place, LinkOption.NOFOLLOW_LINKS));
                permissions.add(PosixFilePermission.OWNER_EXECUTE);
                if ((mode & 0010) != 0) {
                    permissions.add(PosixFilePermission.GROUP_EXECUTE);
                }
                if ((mode & 0001) != 0) {
                    permissions.add(PosixFilePermission.OTHERS_EXECUTE);
                }
                Files.setPosixFilePermissions(place, permissions);
            }
        }

        private void checkSize() throws UnsafeArchiveException {
            if (bytes > limits.maxBytes()) {
                throw new UnsafeArchiveException("archive unpacks to more than " + limits.maxBytes() + " bytes");
            }
            if (bytes > ArchiveLimits.RATIO_GRACE_BYTES && bytes > limits.maxRatio() * Math.max(1, compressed.count())) {
                throw new UnsafeArchiveException(String.format(Locale.ROOT,
                        "archive expands more than %.0f times its compressed size (a compression bomb?)", limits.maxRatio()));
            }
        }

        void symlink(List<String> segments, String linkTarget) throws IOException {
            if (linkTarget == null || linkTarget.isEmpty() || linkTarget.indexOf('\0') >= 0) {
                throw new UnsafeArchiveException("symbolic link " + String.join("/", segments) + " has an empty or invalid target");
            }
            if (linkTarget.startsWith("/") || linkTarget.replace('\\', '/').startsWith("/")) {
                throw new UnsafeArchiveException("symbolic link " + String.join("/", segments) + " points to the absolute path " + EntryPath.printable(linkTarget));
            }
            Path place = placeFor(segments);
            refuseReplacingDirectory(place, segments);
            Path resolved = resolveInside(place.getParent(), linkTarget, 0);
            if (resolved == null) {
                throw new UnsafeArchiveException("symbolic link " + String.join("/", segments) + " -> " + EntryPath.printable(linkTarget) + " points outside the target");
            }
            Files.deleteIfExists(place);
            Files.createSymbolicLink(place, Path.of(linkTarget));
        }

        /**
         * Where {@code link}, relative to {@code from}, leads once the links already unpacked
         * are followed; {@code null} if any step leaves the root.
         */
        private Path resolveInside(Path from, String link, int hops) throws IOException {
            if (hops > MAX_LINK_HOPS) {
                return null;
            }
            Path current = from;
            for (String segment : link.replace('\\', '/').split("/")) {
                if (segment.isEmpty() || segment.equals(".")) {
                    continue;
                }
                if (segment.equals("..")) {
                    if (current.equals(root)) {
                        return null;
                    }
                    current = current.getParent();
                    continue;
                }
                current = current.resolve(segment);
                if (Files.isSymbolicLink(current)) {
                    String next = Files.readSymbolicLink(current).toString();
                    if (next.startsWith("/")) {
                        return null;
                    }
                    current = resolveInside(current.getParent(), next, hops + 1);
                    if (current == null) {
                        return null;
                    }
                }
            }
            return current.startsWith(root) ? current : null;
        }

        void hardLink(List<String> segments, String linkName) throws IOException {
            List<String> existing = EntryPath.segments(linkName, stripComponents, limits);
            if (existing.isEmpty()) {
                throw new UnsafeArchiveException("hard link " + String.join("/", segments) + " names no file: " + EntryPath.printable(linkName));
            }
            Path source = root;
            for (String segment : existing) {
                source = source.resolve(segment);
                if (Files.isSymbolicLink(source)) {
                    throw new UnsafeArchiveException("hard link " + String.join("/", segments) + " goes through the symbolic link " + root.relativize(source));
                }
            }
            if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                throw new UnsafeArchiveException("hard link " + String.join("/", segments) + " names " + EntryPath.printable(linkName) + ", which is not a file unpacked before it");
            }
            Path place = placeFor(segments);
            refuseReplacingDirectory(place, segments);
            Files.deleteIfExists(place);
            try {
                Files.createLink(place, source);
            } catch (FileAlreadyExistsException e) {
                throw new UnsafeArchiveException("hard link " + String.join("/", segments) + " collides with an entry", e);
            }
            filesUnpacked = ++files;
        }
    }

    /** Counts the compressed bytes consumed, for the expansion-ratio limit. */
    private static final class CountingInputStream extends FilterInputStream {
        /** Written by the decompressing thread, read by the unpacking one for the ratio limit. */
        private volatile long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
