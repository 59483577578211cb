package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls the endpoint accepted, in order, on the pod's volume: JSON lines {@code {"seq", "call",
 * "body"}} in files {@code journal-<first seq>.jsonl}. An append is acknowledged once it is on
 * disk; the appends that arrive while one is being forced go down together (group commit), so a
 * busy task pays for one fsync per group, not per call. A line cut short by a crash was never
 * acknowledged: it is dropped at the next start.
 */
final class Journal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FILE_BYTES = 16L << 20;

    /** A journaled call, and the bytes of its line. */
    record Entry(long seq, String call, ObjectNode body, int bytes) {}

    private record Pending(long seq, byte[] line, CompletableFuture<Void> durable) {}

    private final Path directory;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private FileChannel file;
    private long fileBytes;
    private long nextSeq;
    private volatile long bytesWritten;
    /** The last seq on disk: what is read back (to forward) stops there, so nothing leaves the pod that a crash could still take back. */
    private volatile long durableSeq;
    private volatile boolean closed;

    private Journal(Path directory, long nextSeq) throws IOException {
        this.directory = directory;
        this.nextSeq = nextSeq;
        this.writer = new Thread(this::writeGroups, "tracking-journal");
        this.writer.setDaemon(true);
    }

    /** Opens the journal in {@code directory}, handing every entry already in it to {@code replay}, in order. */
    static Journal open(Path directory, Consumer<Entry> replay) throws IOException {
        Files.createDirectories(directory);
        long next = 1;
        long total = 0;
        for (Path path : files(directory)) {
            byte[] content = Files.readAllBytes(path);
            int start = 0;
            for (int i = 0; i < content.length; i++) {
                if (content[i] == '\n') {
                    Entry entry = parse(content, start, i - start, path);
                    if (entry.seq() != next) {
                        throw new IOException(path + ": entry " + entry.seq() + " where " + next + " was next; the journal is not this program's, or was edited");
                    }
                    replay.accept(entry);
                    next++;
                    start = i + 1;
                }
            }
            if (start < content.length) {
                // Written, never acknowledged: a crash came before the newline was on disk.
                LOG.warn("{}: dropping {} bytes of a call cut short by a crash (it was never answered)", path, content.length - start);
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    channel.truncate(start);
                    channel.force(true);
                }
            }
            total += start;
        }
        Journal journal = new Journal(directory, next);
        journal.bytesWritten = total;
        journal.durableSeq = next - 1;
        journal.writer.start();
        return journal;
    }

    private static Entry parse(byte[] content, int offset, int length, Path path) throws IOException {
        try {
            ObjectNode line = (ObjectNode) JSON.readTree(content, offset, length);
            return new Entry(line.path("seq").asLong(), line.path("call").asText(), (ObjectNode) line.path("body"), length + 1);
        } catch (IOException | ClassCastException e) {
            throw new IOException(path + ": a journal line that is not {seq, call, body}: " + new String(content, offset, Math.min(length, 200), StandardCharsets.UTF_8), e);
        }
    }

    /** The journal's files, oldest first. */
    static List<Path> files(Path directory) throws IOException {
        try (Stream<Path> listed = Files.list(directory)) {
            return listed.filter(p -> p.getFileName().toString().matches("journal-[0-9]{16}\\.jsonl")).sorted().toList();
        }
    }

    /**
     * Gives {@code call} the next sequence number and queues it; the future completes once it is
     * on disk. Callers hold the lock that orders their calls, so the order of seq is the order of
     * the file.
     */
    synchronized Entry append(String call, ObjectNode body, List<CompletableFuture<Void>> durable) throws IOException {
        if (closed) {
            throw new IOException("the journal is closed");
        }
        ObjectNode line = JSON.createObjectNode().put("seq", nextSeq).put("call", call);
        line.set("body", body);
        byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        Entry entry = new Entry(nextSeq++, call, body, bytes.length);
        CompletableFuture<Void> future = new CompletableFuture<>();
        queue.add(new Pending(entry.seq(), bytes, future));
        durable.add(future);
        return entry;
    }

    /** Bytes on disk in all of the journal's files. */
    long bytesWritten() {
        return bytesWritten;
    }

    private void writeGroups() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(group);
            try {
                write(group);
                durableSeq = group.get(group.size() - 1).seq();
                group.forEach(p -> p.durable().complete(null));
            } catch (IOException | RuntimeException e) {
                LOG.error("the tracking journal could not be written: {}", e.toString());
                group.forEach(p -> p.durable().completeExceptionally(e));
            }
            group.clear();
        }
    }

    private void write(List<Pending> group) throws IOException {
        if (file == null || fileBytes >= FILE_BYTES) {
            if (file != null) {
                file.close();
            }
            file = FileChannel.open(directory.resolve(String.format("journal-%016d.jsonl", group.get(0).seq())), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            fileBytes = file.size();
            forceDirectory();
        }
        int total = group.stream().mapToInt(p -> p.line().length).sum();
        ByteBuffer buffer = ByteBuffer.allocate(total);
        group.forEach(p -> buffer.put(p.line()));
        buffer.flip();
        while (buffer.hasRemaining()) {
            file.write(buffer);
        }
        file.force(false);
        fileBytes += total;
        bytesWritten += total;
    }

    private void forceDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Where a reader's last read ended, so its next one (each reader reads on in order) starts there, not at its file's start. */
    private record Cursor(Path file, long offset, long seq) {}

    /** A reader of the journal with its own place in it; one thread each. */
    final class Reader {
        private Cursor cursor;

        /** The entries from {@code fromSeq} on, at most {@code max} of them, as far as they are forced to disk. */
        List<Entry> read(long fromSeq, int max) throws IOException {
            List<Entry> entries = new ArrayList<>();
            int wanted = (int) Math.max(0, Math.min(max, durableSeq - fromSeq + 1));
            if (wanted == 0) {
                return entries;
            }
            List<Path> all = files(directory);
            int index = 0;
            long offset = 0;
            long seq = 1;
            if (cursor != null && cursor.seq() == fromSeq && all.contains(cursor.file())) {
                index = all.indexOf(cursor.file());
                offset = cursor.offset();
                seq = cursor.seq();
            } else {
                while (index + 1 < all.size() && firstSeq(all.get(index + 1)) <= fromSeq) {
                    index++;
                }
                seq = all.isEmpty() ? 1 : firstSeq(all.get(index));
            }
            for (; index < all.size() && entries.size() < wanted; index++, offset = 0) {
                Path file = all.get(index);
                if (offset == 0) {
                    seq = firstSeq(file);
                }
                byte[] content;
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    ByteBuffer rest = ByteBuffer.allocate((int) Math.max(0, channel.size() - offset));
                    while (rest.hasRemaining() && channel.read(rest, offset + rest.position()) > 0) {
                        // read on
                    }
                    content = rest.array();
                }
                int start = 0;
                for (int j = 0; j < content.length && entries.size() < wanted; j++) {
                    if (content[j] == '\n') {
                        if (seq >= fromSeq) {
                            entries.add(parse(content, start, j - start, file));
                        }
                        seq++;
                        start = j + 1;
                    }
                }
                cursor = new Cursor(file, offset + start, seq);
            }
            return entries;
        }
    }

    Reader reader() {
        return new Reader();
    }

    private static long firstSeq(Path file) {
        return Long.parseLong(file.getFileName().toString().substring(8, 24));
    }

    @Override
    public void close() throws IOException {
        closed = true;
        writer.interrupt();
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (file != null) {
                file.close();
            }
        }
    }
}
