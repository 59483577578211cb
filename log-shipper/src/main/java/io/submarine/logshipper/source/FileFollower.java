package io.submarine.logshipper.source;

import io.submarine.logsegment.Position;
import io.submarine.logshipper.ship.LogStream;
import io.submarine.logshipper.ship.ShipperMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one live log file and its rotations, losing nothing that is still on disk.
 *
 * <p>A file is known by its identity (device and inode) and its first bytes (the position's
 * fingerprint), so it is found again wherever rotation put it: renamed, copied (copy-truncate),
 * or compressed. A file renamed or deleted away is read to its end, and kept until its writer has
 * left it alone for {@code rotateWait}; then come the rotated siblings modified after it (the
 * files rotated meanwhile, whatever the scheme), oldest first, and last the file at the path. A
 * file truncated in place has the rest of what was read from it taken from its copy. After a
 * restart the same search starts from the saved position; on a first start the siblings already
 * there are shipped first (the pod's earlier containers wrote them), unless told to start at the end.
 *
 * <p>Where bytes are really gone (deleted or overwritten before they were read) the follower says
 * so: a warning with the file and byte range, and the loss in the position's totals and on
 * {@code /metrics}. Only whole lines are appended; a line without its newline waits, unless it
 * outgrows {@code maxLineBytes} or the follower is draining for shutdown. Bytes are shipped as
 * they are, valid UTF-8 or not.
 */
public final class FileFollower {

    private static final Logger LOG = LoggerFactory.getLogger(FileFollower.class);
    /** What a quiet file holds on to; a busy file's buffer grows to {@link #BUSY_CHUNK} while it stays busy. */
    private static final int IDLE_CHUNK = 64 << 10;
    private static final int BUSY_CHUNK = 1 << 20;

    private final Path path;
    private final String source;
    private final LogStream stream;
    private final ShipperMetrics metrics;
    private final int maxLineBytes;
    private final long rotateWaitNanos;
    private final LineGrouping grouping;
    /** How long a record held back by grouping may stay unshipped while its file is quiet. */
    private final long groupWaitNanos;
    private final RotatedFiles rotations;
    /** For a source never read before: begin at the live file's end, not with its rotated siblings. */
    private final boolean startAtEnd;

    private int generation = -1;
    /** The file being read; null while there is none at the path. */
    private LogFile current;
    /** Its modification time (nanoseconds since the epoch) when last seen with bytes in it: what came after it is newer. */
    private long currentModified;
    /** Its size when last seen, to say how much a truncation took away. */
    private long currentSize;
    private Position position = Position.START;
    private ByteBuffer buffer = ByteBuffer.allocate(IDLE_CHUNK);
    /** Since when the file being read is no longer the one at the path, as a quiet-since {@link System#nanoTime()}; 0 if it is. */
    private long replacedSince;
    /** First bytes of the files finished lately: not read again, whatever their times (coarse clocks give ties). */
    private final java.util.ArrayDeque<byte[]> finishedHeads = new java.util.ArrayDeque<>();
    private static final int FINISHED_REMEMBERED = 256;
    /**
     * Files seen at the path while an earlier one was being finished, by identity, with their first
     * bytes and size then: each must be read (from wherever rotation put it) before the file at the
     * path, or its loss is said.
     */
    private final List<Seen> seenAtPath = new ArrayList<>();

    /** A file seen at the path: an inode number freed by a deleted file is soon another's, so the first bytes tell them apart. */
    private record Seen(String key, byte[] head, long size) {}

    /** Since when a record held back by grouping has not grown, and its length then; 0 if none. */
    private long heldSince;
    private int heldLength;

    /**
     * @param rotateWait how long a file renamed or deleted away is still watched for lines its
     *     writer adds before the next file is read (writers reopen only at their next check)
     * @param rotatedNames file names beside {@code path} that are its rotations besides those named
     *     after it (see {@link RotatedFiles}); null for none
     */
    public FileFollower(Path path, LogStream stream, ShipperMetrics metrics, int maxLineBytes, Duration rotateWait, LineGrouping grouping,
            Duration groupWait, PathMatcher rotatedNames, boolean startAtEnd) {
        this.path = path;
        this.source = path.toString();
        this.stream = stream;
        this.metrics = metrics;
        this.maxLineBytes = maxLineBytes;
        this.rotateWaitNanos = rotateWait.toNanos();
        this.grouping = grouping;
        this.groupWaitNanos = groupWait.toNanos();
        this.rotations = new RotatedFiles(path, rotatedNames);
        this.startAtEnd = startAtEnd;
    }

    /** With each line its own record, and no other rotated names. */
    public FileFollower(Path path, LogStream stream, ShipperMetrics metrics, int maxLineBytes, Duration rotateWait) {
        this(path, stream, metrics, maxLineBytes, rotateWait, LineGrouping.eachLine(), Duration.ZERO, null, false);
    }

    public Path path() {
        return path;
    }

    /**
     * Reads what is new and appends its whole lines.
     *
     * @param draining true at shutdown: a last line without a newline is shipped too, and a
     *     rotated file is not waited for
     * @return true if anything was appended or moved, so the caller polls again at once
     */
    public synchronized boolean poll(boolean draining) throws IOException {
        if (generation != stream.generation()) {
            seek();
            return true;
        }
        if (current == null) {
            // Nothing was at the path: a file may have come and been rotated away since, so the siblings are looked at too.
            return openNext();
        }
        buffer.clear();
        int read = current.read(buffer, position.offset());
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

    /** Nothing whole to append: the file may be finished, rotated, truncated, or just quiet. */
    private boolean atEnd(int partial, boolean draining) throws IOException {
        if (partial == 0 && buffer.capacity() > IDLE_CHUNK) {
            buffer = ByteBuffer.allocate(IDLE_CHUNK);
        }
        if (current.compressed()) {
            // Nobody writes a compressed rotation: at its end it is done.
            return finishPartial(partial) || next();
        }
        // Identity and size from one stat: the path may be renamed away between two.
        BasicFileAttributes atPath = attributes(path);
        if (atPath != null && position.anchor().equals(key(atPath))) {
            replacedSince = 0;
            seen(atPath);
            if (atPath.size() < position.offset() || !startsWith(current, fingerprint())) {
                return truncated();
            }
            if (draining) {
                return finishPartial(partial);
            }
            return grouping.groups() && shipHeldRecord(partial);
        }
        if (atPath != null && key(atPath) != null) {
            remember(key(atPath), atPath.size());
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
        // Another file is at the path, or none, and this one has been left alone: it is finished.
        replacedSince = 0;
        return finishPartial(partial) || next();
    }

    /** A last line without its newline, at the end of a finished file (or at shutdown), goes as it is. */
    private boolean finishPartial(int partial) throws IOException {
        return partial > 0 && appendBytes(buffer.array(), partial, grouping.count(buffer.array(), partial, true));
    }

    /**
     * When the file being read was last written, as a {@link System#nanoTime()}: a rotated file
     * whose writer left it long ago (a backlog after a restart) is not waited for.
     */
    private long quietSince(long now) throws IOException {
        Path where = current.path();
        BasicFileAttributes file = where.equals(path) ? null : attributes(where);
        if (file == null || !position.anchor().equals(key(file))) {
            return now;
        }
        long quietMillis = System.currentTimeMillis() - file.lastModifiedTime().toMillis();
        return now - Duration.ofMillis(Math.max(0, quietMillis)).toNanos();
    }

    /**
     * The file at the path is the one being read but no longer holds what was read from it:
     * copy-truncated (what it had up to the truncation is in its copy, read from there on) or
     * rewritten in place.
     */
    private boolean truncated() throws IOException {
        byte[] head = fingerprint();
        for (int attempt = 0; attempt < 5 && head.length > 0; attempt++) {
            RotatedFiles.Sibling copy = find(rotations.list(), sibling -> !sibling.key().equals(position.anchor()) && sibling.startsWith(head));
            if (copy == null) {
                break;
            }
            if (!copy.compressed() && copy.size() <= position.offset()) {
                // The copy holds nothing past what was read: lines after it, if any, were read from the file before its truncation.
                LOG.info("{} no longer begins as the file read from it; {}, which does, holds nothing unread", source, copy.path());
                return next();
            }
            if (open(copy, position.offset())) {
                LOG.info("{} no longer begins as the file read from it (truncated, or a new file given its inode number); reading on from byte {} "
                        + "of {}, which does", source, position.offset(), copy.path());
                return true;
            }
        }
        long lost = Math.max(0, currentSize - position.offset());
        loss(String.format("%s was truncated or rewritten and no copy beginning as it did is beside it: its bytes from %d%s are lost", source,
                position.offset(), lost > 0 ? " to " + currentSize : " on, if it had more"), lost);
        return next();
    }

    /** The file being read is finished: remembered as read, and the next one opened. */
    private boolean next() throws IOException {
        byte[] finished = fingerprint();
        if (finished.length > 0) {
            // Read now, wherever it was seen: not next in line any more.
            seenAtPath.removeIf(seen -> compatible(seen.head(), finished));
            finishedHeads.addFirst(finished);
            if (finishedHeads.size() > FINISHED_REMEMBERED) {
                finishedHeads.removeLast();
            }
        }
        closeCurrent();
        return openNext();
    }

    /**
     * Opens the oldest rotated sibling modified after the file finished, or seen at the path after
     * it (not one already read), else the file at the path; false if there is none.
     */
    private boolean openNext() throws IOException {
        // Listed, then opened by name: a rotation in between moves another file to that name, so
        // the file opened is checked and, if it is another, the directory listed again.
        for (int attempt = 0; attempt < 5; attempt++) {
            RotatedFiles.Sibling sibling = nextSibling(rotations.list());
            if (sibling != null) {
                if (open(sibling, 0)) {
                    LOG.info("{}: reading {}, rotated after the file before it", source, sibling.path());
                    return true;
                }
                continue;
            }
            BasicFileAttributes live = attributes(path);
            if (live == null) {
                return false;
            }
            String key = key(live);
            LogFile opened = openAs(path, key, new byte[0]);
            if (opened == null) {
                continue;
            }
            // The file at the path when the siblings were listed may have been rotated among them
            // since, another taking its place: then it comes first (a fresh program is slow enough for that).
            if (nextSibling(rotations.list()) != null) {
                opened.close();
                continue;
            }
            accountForSeen(key, opened.head(RotatedFiles.HEAD_BYTES));
            return install(opened, key, 0, RotatedFiles.modifiedNanos(live));
        }
        return false;
    }

    /** The sibling to read next, or null if the file at the path is next. */
    private RotatedFiles.Sibling nextSibling(List<RotatedFiles.Sibling> siblings) {
        for (RotatedFiles.Sibling sibling : siblings) {
            // An empty file has nothing to ship (and, without first bytes, could not be told from one read already).
            if (sibling.head().length > 0 && (sibling.modified() >= currentModified || wasSeenAtPath(sibling)) && !alreadyRead(sibling)
                    && !(sibling.compressed() && hasPlainTwin(sibling, siblings))) {
                return sibling;
            }
        }
        return null;
    }

    /** Whether {@code sibling} came to the path after the file being read: it is next, whatever its time says. */
    private boolean wasSeenAtPath(RotatedFiles.Sibling sibling) {
        return seenAtPath.stream().anyMatch(seen -> seen.key().equals(sibling.key()) && compatible(seen.head(), sibling.head()));
    }

    private boolean alreadyRead(RotatedFiles.Sibling sibling) {
        for (byte[] head : finishedHeads) {
            if (sibling.startsWith(head)) {
                return true;
            }
        }
        return false;
    }

    /** A compressed file whose plain original is still there is being compressed now: the original is read. */
    private static boolean hasPlainTwin(RotatedFiles.Sibling compressed, List<RotatedFiles.Sibling> siblings) {
        for (RotatedFiles.Sibling other : siblings) {
            if (!other.compressed() && other.head().length > 0 && compressed.startsWith(other.head())) {
                return true;
            }
        }
        return false;
    }

    /** Says the loss of each file seen at the path that was neither read nor is the one there now ({@code key}, beginning with {@code liveHead}). */
    private void accountForSeen(String key, byte[] liveHead) throws IOException {
        for (Seen seen : seenAtPath) {
            boolean stillAtPath = seen.key().equals(key) && compatible(liveHead, seen.head());
            boolean read = finishedHeads.stream().anyMatch(head -> compatible(head, seen.head()));
            if (!stillAtPath && !read) {
                loss(String.format("%s: a file that came to the path (%s, %d bytes when seen) was rotated away and deleted before it was read: "
                        + "its bytes from 0 to %d are lost", source, seen.key(), seen.size(), seen.size()), seen.size());
            }
        }
        seenAtPath.clear();
    }

    /** Remembers the file now at the path (not the one being read) with its first bytes, to be accounted for later. */
    private void remember(String key, long size) throws IOException {
        byte[] head = head(path);
        // Kept only if the path still holds that file: it may have been replaced since the stat.
        if (head.length == 0 || !key.equals(fileKey(path))) {
            return;
        }
        for (int i = seenAtPath.size() - 1; i >= 0; i--) {
            Seen known = seenAtPath.get(i);
            if (known.key().equals(key) && compatible(known.head(), head)) {
                if (head.length > known.head().length || size > known.size()) {
                    seenAtPath.set(i, new Seen(key, head, Math.max(size, known.size())));
                }
                return;
            }
        }
        seenAtPath.add(new Seen(key, head, size));
    }

    /** Whether two files' first bytes agree as far as both go (one may have been read when shorter). */
    private static boolean compatible(byte[] a, byte[] b) {
        int length = Math.min(a.length, b.length);
        return length > 0 && Arrays.equals(a, 0, length, b, 0, length);
    }

    /** The first bytes of the file at {@code file}; none if it is gone or cannot be read. */
    private static byte[] head(Path file) throws IOException {
        try (LogFile opened = LogFile.open(file)) {
            return opened.compressed() ? new byte[0] : opened.head(RotatedFiles.HEAD_BYTES);
        } catch (NoSuchFileException | java.nio.file.AccessDeniedException gone) {
            return new byte[0];
        }
    }

    /** Opens a rotated sibling as listed, to read from {@code offset}; false if it is no longer there under that name. */
    private boolean open(RotatedFiles.Sibling sibling, long offset) throws IOException {
        LogFile opened = openAs(sibling.path(), sibling.key(), sibling.head());
        return opened != null && install(opened, sibling.key(), offset, sibling.modified());
    }

    /**
     * Opens {@code file} if it is still the file of identity {@code key} beginning with {@code head};
     * null if it is gone, or another file took its name.
     */
    private static LogFile openAs(Path file, String key, byte[] head) throws IOException {
        LogFile opened;
        try {
            opened = LogFile.open(file);
        } catch (NoSuchFileException gone) {
            return null;
        }
        // Stat, open, stat: the same identity before and after means the file opened is that one
        // (rotation moves files on, never back); and it must still begin as listed.
        if (!key.equals(fileKey(file)) || !startsWith(opened, head)) {
            opened.close();
            return null;
        }
        return opened;
    }

    /** Reads {@code opened}, identity {@code key}, from {@code offset} on. */
    private boolean install(LogFile opened, String key, long offset, long modified) throws IOException {
        closeCurrent();
        current = opened;
        currentModified = modified;
        currentSize = opened.size();
        replacedSince = 0;
        // The fingerprint is kept when reading on in the same bytes elsewhere (a copy, a compressed form).
        String fingerprint = offset == 0 ? "" : position.fingerprint();
        return reanchor(key, fingerprint, offset);
    }

    /** Finds where this follower stood (it may have been renamed, copied, compressed), after a restart or a rewind. */
    private void seek() throws IOException {
        closeCurrent();
        generation = stream.generation();
        position = stream.position(source);
        replacedSince = 0;
        finishedHeads.clear();
        seenAtPath.clear();
        try {
            locate();
        } catch (IOException e) {
            // Seek again at the next poll rather than read on from a position half set.
            generation = -1;
            closeCurrent();
            throw e;
        }
    }

    private void locate() throws IOException {
        if (position.anchor().isEmpty()) {
            BasicFileAttributes live = attributes(path);
            if (startAtEnd && live != null) {
                LogFile opened = openAs(path, key(live), new byte[0]);
                if (opened == null) {
                    // Replaced between the stat and the open: sought again at the next poll.
                    generation = -1;
                    return;
                }
                install(opened, key(live), 0, RotatedFiles.modifiedNanos(live));
                long end = current.size();
                reanchor(position.anchor(), HexFormat.of().formatHex(current.head(RotatedFiles.HEAD_BYTES)), end);
                LOG.info("{}: starting at its end (byte {}), as --start-at end asks", source, end);
                return;
            }
            // Never read: its rotated siblings first, oldest first (the pod's earlier containers wrote them).
            currentModified = Long.MIN_VALUE;
            next();
            return;
        }
        byte[] head = fingerprint();
        BasicFileAttributes live = attributes(path);
        LogFile resumed = live != null && position.anchor().equals(key(live)) ? openAs(path, position.anchor(), new byte[0]) : null;
        if (resumed != null) {
            install(resumed, position.anchor(), position.offset(), RotatedFiles.modifiedNanos(live));
            seen(live);
            if (live.size() < position.offset() || !startsWith(current, head)) {
                truncated();
            } else {
                LOG.info("{}: resuming at byte {}", source, position.offset());
            }
            return;
        }
        // Renamed (the same inode, beginning as it did), else a copy or its compressed form (the same first bytes);
        // listed again if a rotation moved another file to its name before it was opened.
        for (int attempt = 0; attempt < 5; attempt++) {
            List<RotatedFiles.Sibling> siblings = rotations.list();
            RotatedFiles.Sibling found = find(siblings, sibling -> !sibling.compressed() && sibling.key().equals(position.anchor())
                    && sibling.startsWith(head));
            if (found == null && head.length > 0) {
                found = find(siblings, sibling -> sibling.startsWith(head) && (sibling.compressed() || sibling.size() >= position.offset()));
            }
            if (found == null) {
                break;
            }
            if (open(found, position.offset())) {
                LOG.info("{}: resuming at byte {} of {}, where rotation put it", source, position.offset(), found.path());
                return;
            }
        }
        currentModified = position.modified();
        // Of a file nothing was read from, nothing is lost: it is among the siblings, if anywhere.
        if (position.offset() > 0) {
            loss(String.format("%s: the file it was reading (%s, %d bytes read) is gone, nor is a copy of it beside it: its bytes after byte %d "
                    + "are lost", source, position.anchor(), position.offset(), position.offset()), 0);
        }
        if (currentModified == 0) {
            // Written by a shipper that kept no time: which siblings came after it is not known, so none is read.
            currentModified = Long.MAX_VALUE;
            openNext();
        } else {
            next();
        }
    }

    /** The oldest rotated sibling that {@code wanted} accepts, preferring a plain file to a compressed one. */
    private static RotatedFiles.Sibling find(List<RotatedFiles.Sibling> siblings, java.util.function.Predicate<RotatedFiles.Sibling> wanted) {
        RotatedFiles.Sibling compressed = null;
        for (RotatedFiles.Sibling sibling : siblings) {
            if (wanted.test(sibling)) {
                if (!sibling.compressed()) {
                    return sibling;
                }
                compressed = compressed == null ? sibling : compressed;
            }
        }
        return compressed;
    }

    /** Remembers the file being read as seen at the path now. */
    private void seen(BasicFileAttributes file) {
        currentSize = file.size();
        if (file.size() > 0) {
            currentModified = Math.max(currentModified, RotatedFiles.modifiedNanos(file));
        }
    }

    /** Says where bytes were lost and counts them: a warning, the position's totals, {@code /metrics}. */
    private void loss(String what, long bytes) throws IOException {
        LOG.warn("{}", what);
        metrics.lost(bytes);
        Position after = position.lost(bytes);
        if (stream.append(source, generation, new byte[0], 0, 0, 0, after)) {
            position = after;
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

    private byte[] fingerprint() {
        return HexFormat.of().parseHex(position.fingerprint());
    }

    /** Whether {@code file} (read from its start) begins with {@code head}. */
    private static boolean startsWith(LogFile file, byte[] head) throws IOException {
        return head.length == 0 || Arrays.equals(file.head(head.length), head);
    }

    private boolean appendBytes(byte[] data, int length, long lines) throws IOException {
        Position after = position.advance(length, lines);
        int known = position.fingerprint().length() / 2;
        if (known < RotatedFiles.HEAD_BYTES && known == position.offset()) {
            // The fingerprint is the file's first bytes, as many as were read, up to HEAD_BYTES.
            after = after.withFingerprint(position.fingerprint() + HexFormat.of().formatHex(data, 0, Math.min(length, RotatedFiles.HEAD_BYTES - known)));
        }
        if (currentModified > after.modified()) {
            after = after.modifiedAt(currentModified);
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
        if (currentModified > after.modified()) {
            after = after.modifiedAt(currentModified);
        }
        if (!stream.append(source, generation, new byte[0], 0, 0, 0, after)) {
            seek();
            return true;
        }
        position = after;
        return true;
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    public synchronized void close() throws IOException {
        closeCurrent();
    }

    /** A file's identity (device and inode) as a string, or null if there is no file. */
    public static String fileKey(Path file) throws IOException {
        BasicFileAttributes attributes = attributes(file);
        return attributes == null ? null : key(attributes);
    }

    private static String key(BasicFileAttributes attributes) {
        return attributes.fileKey() == null ? null : attributes.fileKey().toString();
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
