package io.submarine.logshipper.source;

import io.submarine.logshipper.ship.LogStream;
import io.submarine.logsegment.Position;
import io.submarine.logshipper.ship.ShipperMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one path with {@code tail -F} semantics, losing nothing on the way: a file renamed
 * away is read to its end before the new file at the path is opened, and so is each file that
 * came to the path and was renamed away meanwhile, in the order seen; a file truncated in place
 * (copy-truncate) has its last bytes read from the copy, recognized by its first bytes; a file
 * deleted while open is read to its end through the open handle.
 *
 * <p>Only whole lines are appended; a line without its newline waits, unless it outgrows
 * {@code maxLineBytes} or the follower is draining for shutdown. Bytes are shipped as they are,
 * valid UTF-8 or not.
 */
public final class FileFollower {

    private static final Logger LOG = LoggerFactory.getLogger(FileFollower.class);
    private static final int FINGERPRINT_BYTES = 64;
    /** What a quiet file holds on to; a busy file's buffer grows to {@link #BUSY_CHUNK} while it stays busy. */
    private static final int IDLE_CHUNK = 64 << 10;
    private static final int BUSY_CHUNK = 1 << 20;
    /** What follows a file's name in its rotations' names: app.log.1, app.log-20261129, app.log.2026-11-29. */
    private static final Pattern ROTATION_SUFFIX = Pattern.compile("[.\\-_].*\\d.*");

    private final Path path;
    private final String source;
    private final LogStream stream;
    private final ShipperMetrics metrics;
    private final int maxLineBytes;
    private final Map<String, Path> finishedFiles;
    private final long rotateWaitNanos;
    private final LineGrouping grouping;
    /** How long a record held back by grouping may stay unshipped while its file is quiet. */
    private final long groupWaitNanos;

    private int generation = -1;
    private FileChannel channel;
    /** Where the file being read was when it was opened: the path, or where rotation had put it. */
    private Path openedAt;
    /** Whether that file was resumed in after a restart, away from the path: what was rotated after it is not known. */
    private boolean resumedAway;
    private Position position = Position.START;
    private ByteBuffer buffer = ByteBuffer.allocate(IDLE_CHUNK);
    /** When the file being read was first seen at its end and no longer at the path; 0 if not. */
    private long replacedSince;
    /** The files seen at the path since then, by identity, in order: each is read after this one, unless still at the path. */
    private final Set<String> seenAtPath = new LinkedHashSet<>();
    /**
     * The first bytes the file at the path had when seen there, by identity: one truncated in place
     * before it is read (copy-truncate while the file before it is finished) is known by them, and
     * so is its copy.
     */
    private final Map<String, byte[]> seenHeads = new HashMap<>();
    /** Since when a record held back by grouping has not grown, and its length then; 0 if none. */
    private long heldSince;
    private int heldLength;

    /**
     * @param finishedFiles files already read to their end by some follower in this run, by
     *     identity, with the path each had after rotation; shared, so that a rotated file matched
     *     again under its new name is not shipped twice
     * @param rotateWait how long a file renamed or deleted away is still watched for lines its
     *     writer adds before reopening the path (logrotate's postrotate signal takes a moment)
     */
    public FileFollower(Path path, LogStream stream, ShipperMetrics metrics, int maxLineBytes, Map<String, Path> finishedFiles, Duration rotateWait) {
        this(path, stream, metrics, maxLineBytes, finishedFiles, rotateWait, LineGrouping.eachLine(), Duration.ZERO);
    }

    /** With lines grouped into records; a held-back last record is shipped after {@code groupWait} without growth. */
    public FileFollower(Path path, LogStream stream, ShipperMetrics metrics, int maxLineBytes, Map<String, Path> finishedFiles, Duration rotateWait,
            LineGrouping grouping, Duration groupWait) {
        this.path = path;
        this.source = path.toString();
        this.stream = stream;
        this.metrics = metrics;
        this.maxLineBytes = maxLineBytes;
        this.finishedFiles = finishedFiles;
        this.rotateWaitNanos = rotateWait.toNanos();
        this.grouping = grouping;
        this.groupWaitNanos = groupWait.toNanos();
    }

    public Path path() {
        return path;
    }

    /** Whether the file with identity {@code key} is being read by this follower, or waits to be. */
    public synchronized boolean holds(String key) {
        return channel != null && key.equals(position.anchor()) || seenAtPath.contains(key);
    }

    /**
     * Reads what is new and appends its whole lines.
     *
     * @param draining true at shutdown: a last line without a newline is shipped too
     * @return true if anything was appended or moved, so the caller polls again at once
     */
    public synchronized boolean poll(boolean draining) throws IOException {
        if (generation != stream.generation()) {
            seek();
        }
        if (channel == null) {
            return openCurrentFile();
        }
        buffer.clear();
        int read = channel.read(buffer, position.offset());
        int length = Math.max(read, 0);
        int complete = grouping.whole(buffer.array(), lastNewline(buffer.array(), length) + 1);
        if (complete > 0) {
            replacedSince = 0;
            heldSince = 0;
            boolean appended = appendBytes(buffer.array(), complete, grouping.count(buffer.array(), complete, false));
            if (length == buffer.capacity() && buffer.capacity() < BUSY_CHUNK) {
                buffer = ByteBuffer.allocate(BUSY_CHUNK);
            }
            return appended;
        }
        if (length == buffer.capacity()) {
            if (buffer.capacity() < maxLineBytes) {
                buffer = ByteBuffer.allocate((int) Math.min((long) buffer.capacity() * 2, maxLineBytes));
                return true;
            }
            LOG.warn("{}: a line is longer than {} bytes; shipping it in pieces", source, maxLineBytes);
            return appendBytes(buffer.array(), length, 0);
        }
        return atEnd(length, draining);
    }

    /** Nothing whole to append: the file may be finished, truncated, or just quiet. */
    private boolean atEnd(int partial, boolean draining) throws IOException {
        if (partial == 0 && buffer.capacity() > IDLE_CHUNK) {
            buffer = ByteBuffer.allocate(IDLE_CHUNK);
        }
        // Identity and size from one stat: the path may be renamed away between two.
        BasicFileAttributes atPath = attributes(path);
        String current = atPath == null || atPath.fileKey() == null ? null : atPath.fileKey().toString();
        if (current != null && current.equals(position.anchor())) {
            replacedSince = 0;
            seenAtPath.clear();
            seenHeads.clear();
            if (atPath.size() < position.offset()) {
                return truncated();
            }
            if (draining) {
                return partial > 0 && appendBytes(buffer.array(), partial, grouping.count(buffer.array(), partial, true));
            }
            return grouping.groups() && shipHeldRecord(partial);
        }
        if (current != null) {
            seenAtPath.add(current);
            recordHead(current);
        }
        if (!draining) {
            long now = System.nanoTime();
            if (replacedSince == 0) {
                replacedSince = quietSince(now);
            }
            if (now - replacedSince < rotateWaitNanos) {
                return false;
            }
        }
        // The file at the path is another one, or none, and this one has been quiet: it is finished.
        replacedSince = 0;
        if (partial > 0 && !appendBytes(buffer.array(), partial, grouping.count(buffer.array(), partial, true))) {
            return true;
        }
        Path rotatedTo = findByKey(position.anchor(), position.fingerprint());
        if (rotatedTo != null) {
            finishedFiles.put(position.anchor(), rotatedTo);
            if (resumedAway) {
                reportRotatedWhileDown(rotatedTo, current);
            }
        }
        closeChannel();
        return openNextFile(current) || partial > 0;
    }

    /**
     * Files rotated after the one resumed in, while the shipper was down, were never seen at the
     * path, so their order is not known: they are named and counted, not read.
     */
    private void reportRotatedWhileDown(Path resumed, String nowAtPath) throws IOException {
        BasicFileAttributes resumedFile = attributes(resumed);
        if (resumedFile == null) {
            return;
        }
        int name = path.getFileName().toString().length();
        List<Path> unread = siblingsWrittenAfter(resumedFile.lastModifiedTime(), (sibling, key) -> !key.equals(position.anchor())
                && !key.equals(nowAtPath) && !seenAtPath.contains(key) && ROTATION_SUFFIX.matcher(sibling.getFileName().toString().substring(name)).matches());
        if (!unread.isEmpty()) {
            metrics.readGap();
            LOG.warn("{}: rotated again while the shipper was down, after the file it resumed in; these are not shipped, as the order they "
                    + "came in is not known: {}", source, unread);
        }
    }

    /**
     * When the file being read was last written, as a {@link System#nanoTime()}: for a file opened
     * where rotation had put it, its modification time, so that a writer done with it long ago is
     * not waited for (a queue of rotated files is read without a wait for each); otherwise now.
     */
    private long quietSince(long now) throws IOException {
        BasicFileAttributes opened = openedAt == null || openedAt.equals(path) ? null : attributes(openedAt);
        if (opened == null || opened.fileKey() == null || !position.anchor().equals(opened.fileKey().toString())) {
            return now;
        }
        long quietMillis = System.currentTimeMillis() - opened.lastModifiedTime().toMillis();
        return now - Duration.ofMillis(Math.max(0, quietMillis)).toNanos();
    }

    /**
     * Opens the next file to read from its start: the first one that came to the path after the
     * file just finished and was rotated away too, else the file at the path.
     */
    private boolean openNextFile(String nowAtPath) throws IOException {
        for (Iterator<String> next = seenAtPath.iterator(); next.hasNext(); ) {
            String key = next.next();
            next.remove();
            if (key.equals(nowAtPath)) {
                break;
            }
            // Not checked against finishedFiles: an inode number freed by a deleted backup is soon
            // given to the next file at the path.
            Path where = findByKey(key, "");
            FileChannel opened = where == null ? null : openIfThere(where);
            if (opened == null) {
                metrics.readGap();
                LOG.warn("{}: a file that came next at the path was rotated away and deleted before it was read; its lines are not shipped ({})",
                        source, key);
                continue;
            }
            LOG.info("{}: reading {}, which came next at the path and was rotated away before it was read", source, where);
            channel = opened;
            openedAt = where;
            resumedAway = false;
            return reanchor(key, "", 0);
        }
        seenAtPath.clear();
        return openCurrentFile();
    }

    private static FileChannel openIfThere(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    /** A last record held back by grouping goes once it has not grown for a while: its writer may be done. */
    private boolean shipHeldRecord(int partial) throws IOException {
        int held = lastNewline(buffer.array(), partial) + 1;
        if (held == 0) {
            return false;
        }
        long now = System.nanoTime();
        if (heldSince == 0 || held != heldLength) {
            heldSince = now;
            heldLength = held;
            return false;
        }
        if (now - heldSince < groupWaitNanos) {
            return false;
        }
        heldSince = 0;
        return appendBytes(buffer.array(), held, grouping.count(buffer.array(), held, false));
    }

    /** Copy-truncate: the copy holds what was written after our last read; read it from there first. */
    private boolean truncated() throws IOException {
        Path copy = findCopy();
        FileChannel opened = copy == null ? null : openIfThere(copy);
        if (opened == null) {
            metrics.readGap();
            LOG.warn("{} was truncated at byte {} and no copy of it was found beside it; going on from its start", source, position.offset());
        } else {
            try (FileChannel copied = opened) {
                long offset = position.offset();
                ByteBuffer rest = ByteBuffer.allocate(BUSY_CHUNK);
                while (true) {
                    rest.clear();
                    int read = copied.read(rest, offset);
                    if (read <= 0) {
                        break;
                    }
                    int complete = lastNewline(rest.array(), read) + 1;
                    boolean last = offset + read >= copied.size();
                    int take = last || complete == 0 ? read : complete;
                    long lines = grouping.count(rest.array(), take, last);
                    if (!appendBytes(rest.array(), take, lines)) {
                        return true;
                    }
                    offset += take;
                }
            }
            LOG.info("{} was truncated; its last lines were read from the copy {}", source, copy);
            List<Path> later = laterCopies(copy);
            if (!later.isEmpty()) {
                metrics.readGap();
                LOG.warn("{} was truncated again before these lines were read: the lines it held between the truncations, in {}, are not shipped",
                        source, later);
            }
        }
        return reanchor(position.anchor(), "", 0);
    }

    /**
     * Files beside the path changed after {@code copy} was made, other than the file itself: copies
     * of later truncations, holding lines the file had between them. They are not read, as their
     * first lines cannot be told from another file's; compressed files are older rotations.
     */
    private List<Path> laterCopies(Path copy) throws IOException {
        BasicFileAttributes copied = attributes(copy);
        if (copied == null) {
            return List.of();
        }
        return siblingsWrittenAfter(copied.lastModifiedTime(), (sibling, key) -> !sibling.equals(copy) && !key.equals(position.anchor()));
    }

    /**
     * Regular files beside the path and named like it ({@code path*}), other than the path itself,
     * written after {@code since}, not compressed, that {@code wanted} accepts by path and
     * identity. One that vanishes meanwhile (the next rotation deleting it) is passed over.
     */
    private List<Path> siblingsWrittenAfter(FileTime since, BiPredicate<Path, String> wanted) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(path.getParent(), path.getFileName() + "*")) {
            for (Path sibling : siblings) {
                try {
                    BasicFileAttributes file = Files.readAttributes(sibling, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!sibling.equals(path) && file.isRegularFile() && file.fileKey() != null && file.lastModifiedTime().compareTo(since) > 0
                            && wanted.test(sibling, file.fileKey().toString()) && !compressed(sibling)) {
                        found.add(sibling);
                    }
                } catch (NoSuchFileException | AccessDeniedException notReadable) {
                    // Not beside the path any more, or not a file the shipper can read.
                }
            }
        }
        return found;
    }

    /** Whether the file begins as gzip, zstd, bzip2 or xz data does. */
    private static boolean compressed(Path file) throws IOException {
        byte[] head = new byte[4];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(ByteBuffer.wrap(head), 0);
        }
        int magic = (head[0] & 0xff) << 24 | (head[1] & 0xff) << 16 | (head[2] & 0xff) << 8 | head[3] & 0xff;
        return magic >>> 16 == 0x1f8b || magic == 0x28b52ffd || magic >>> 8 == 0x425a68 || magic == 0xfd377a58;
    }

    private Path findCopy() throws IOException {
        if (position.fingerprint().isEmpty()) {
            return null;
        }
        byte[] head = HexFormat.of().parseHex(position.fingerprint());
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(path.getParent(), path.getFileName() + "*")) {
            for (Path sibling : siblings) {
                // The file itself, renamed meanwhile, is no copy of it.
                BasicFileAttributes copy = attributes(sibling);
                if (copy != null && !sibling.equals(path) && copy.isRegularFile() && copy.fileKey() != null
                        && !position.anchor().equals(copy.fileKey().toString()) && copy.size() >= position.offset() && startsWith(sibling, head)) {
                    return sibling;
                }
            }
        }
        return null;
    }

    /**
     * Opens the file now at the path, from its start; false if there is none (yet). If it no
     * longer begins as it did when seen there, it was truncated in place before it was read: its
     * first lines are in its copy, read first.
     */
    private boolean openCurrentFile() throws IOException {
        FileChannel opened = openIfThere(path);
        if (opened == null) {
            return false;
        }
        String key = fileKey(path);
        if (key == null) {
            opened.close();
            return false;
        }
        channel = opened;
        openedAt = path;
        resumedAway = false;
        byte[] seenHead = seenHeads.get(key);
        seenHeads.clear();
        if (seenHead != null && seenHead.length > 0 && !startsWith(path, seenHead)) {
            String fingerprint = HexFormat.of().formatHex(seenHead);
            reanchor(key, fingerprint, 0);
            if (key.equals(position.anchor()) && fingerprint.equals(position.fingerprint())) {
                return truncated();
            }
            return true;
        }
        return reanchor(key, "", 0);
    }

    /** Remembers the first bytes of the file at the path, identity {@code key}, while it waits to be read. */
    private void recordHead(String key) throws IOException {
        byte[] known = seenHeads.get(key);
        if (known != null && known.length == FINGERPRINT_BYTES) {
            return;
        }
        byte[] head = head(path, FINGERPRINT_BYTES);
        // Kept only if the path still holds that file: it may have been replaced since the stat.
        if (head != null && head.length > (known == null ? 0 : known.length) && key.equals(fileKey(path))) {
            seenHeads.put(key, head);
        }
    }

    /** Opens the file this follower stood in, wherever it is now (it may have been renamed). */
    private void seek() throws IOException {
        try {
            resume();
        } catch (IOException e) {
            // Seek again at the next poll rather than read on from a position half set.
            generation = -1;
            closeChannel();
            throw e;
        }
    }

    private void resume() throws IOException {
        closeChannel();
        generation = stream.generation();
        position = stream.position(source);
        replacedSince = 0;
        seenAtPath.clear();
        seenHeads.clear();
        resumedAway = false;
        if (position.anchor().isEmpty()) {
            return;
        }
        if (position.anchor().equals(fileKey(path)) && !startsWith(path, HexFormat.of().parseHex(position.fingerprint()))) {
            // The path holds the same inode with other content: truncated in place (its copy may
            // hold our last lines) or reused by a new file; either way its own lines start at 0.
            channel = openIfThere(path);
            if (channel != null) {
                openedAt = path;
                truncated();
                return;
            }
        }
        Path file = findByKey(position.anchor(), position.fingerprint());
        // Found, then rotated away and deleted before it was opened: as gone.
        channel = file == null ? null : openIfThere(file);
        if (channel == null) {
            metrics.readGap();
            LOG.warn("{}: the file it was reading ({}) is gone; lines after byte {} of it are lost, going on with the file now at the path",
                    source, position.anchor(), position.offset());
            return;
        }
        openedAt = file;
        resumedAway = !file.equals(path);
        LOG.info("{}: resuming at byte {} of {}{}", source, position.offset(), position.anchor(), file.equals(path) ? "" : " (now " + file + ")");
    }

    /** The file with identity {@code key} beside the path, if it still begins as the one read did. */
    private Path findByKey(String key, String fingerprint) throws IOException {
        if (isFileOf(key, fingerprint, path)) {
            return path;
        }
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(path.getParent())) {
            for (Path sibling : siblings) {
                if (isFileOf(key, fingerprint, sibling)) {
                    return sibling;
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code file} is the file a position stands in: the same identity and still
     * beginning as it did. Identity alone is not enough: a file truncated in place keeps it, and
     * an inode number freed by a deleted file is soon given to a new one.
     */
    public static boolean isFileOf(Position position, Path file) throws IOException {
        return isFileOf(position.anchor(), position.fingerprint(), file);
    }

    private static boolean isFileOf(String key, String fingerprint, Path file) throws IOException {
        return key.equals(fileKey(file)) && startsWith(file, HexFormat.of().parseHex(fingerprint));
    }

    private static boolean startsWith(Path file, byte[] head) throws IOException {
        // Gone, or a file the shipper cannot read: not one it was reading.
        return head.length == 0 || Arrays.equals(head(file, head.length), head);
    }

    /** The first {@code length} bytes of {@code file}, fewer if it is shorter; null if it is gone or cannot be read. */
    private static byte[] head(Path file, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer start = ByteBuffer.allocate(length);
            while (start.hasRemaining() && channel.read(start, start.position()) > 0) {
                // Reads the head, however the channel splits it.
            }
            return Arrays.copyOf(start.array(), start.position());
        } catch (NoSuchFileException | AccessDeniedException notReadable) {
            return null;
        }
    }

    private boolean appendBytes(byte[] data, int length, long lines) throws IOException {
        Position after = position.advance(length, lines);
        if (position.fingerprint().length() < 2 * FINGERPRINT_BYTES && position.offset() == 0) {
            after = after.reanchor(after.anchor(), HexFormat.of().formatHex(data, 0, Math.min(length, FINGERPRINT_BYTES)), after.offset());
        }
        if (!stream.append(source, generation, data, 0, length, lines, after)) {
            seek();
            return true;
        }
        position = after;
        metrics.read(length, lines);
        return true;
    }

    private boolean reanchor(String anchor, String fingerprint, long offset) throws IOException {
        Position after = position.reanchor(anchor, fingerprint, offset);
        if (!stream.append(source, generation, new byte[0], 0, 0, 0, after)) {
            seek();
            return true;
        }
        position = after;
        return true;
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    public synchronized void close() throws IOException {
        closeChannel();
    }

    /** A file's identity (device and inode) as a string, or null if there is no file. */
    public static String fileKey(Path file) throws IOException {
        BasicFileAttributes attributes = attributes(file);
        return attributes == null || attributes.fileKey() == null ? null : attributes.fileKey().toString();
    }

    private static BasicFileAttributes attributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static int lastNewline(byte[] data, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (data[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW_SEVEN = 0x7F7F7F7F7F7F7F7FL;

    /**
     * Newlines in {@code data[0, length)}, 32 bytes per step: this loop runs over every byte
     * shipped, and the image runs C1 only, which does not unroll loops (unrolled by hand it counts
     * 2.5 times as fast there).
     */
    static long countLines(byte[] data, int length) {
        long lines = 0;
        int i = 0;
        for (; i + 32 <= length; i += 32) {
            long sum = newlineBytes((long) LONGS.get(data, i)) + newlineBytes((long) LONGS.get(data, i + 8))
                    + newlineBytes((long) LONGS.get(data, i + 16)) + newlineBytes((long) LONGS.get(data, i + 24));
            // Each byte of sum is at most 4; multiplying adds all eight into the top byte.
            lines += (sum * 0x0101010101010101L) >>> 56;
        }
        for (; i < length; i++) {
            if (data[i] == '\n') {
                lines++;
            }
        }
        return lines;
    }

    /** 1 in each byte of the word that is '\n', 0 in the others, without carries between bytes. */
    private static long newlineBytes(long word) {
        long x = word ^ NEWLINES;
        return ~(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN) >>> 7;
    }
}
