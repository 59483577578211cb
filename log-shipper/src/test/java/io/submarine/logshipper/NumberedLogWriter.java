package io.submarine.logshipper;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.BitSet;

/**
 * A task that logs numbered lines, so that what arrives can be checked line by line: each line is
 * {@code seq=<n>} and padding. It follows its file as Python's {@code WatchedFileHandler} does
 * (reopened when the file at the path is another, as after logrotate's {@code create}), or rotates
 * it itself, by rename and copy-truncate in turn.
 */
final class NumberedLogWriter implements AutoCloseable {

    private final Path file;
    private final int lineBytes;
    private FileOutputStream out;
    private Object openedKey;
    private long lines;
    private int rotations;

    NumberedLogWriter(Path file, int lineBytes) throws IOException {
        this.file = file;
        this.lineBytes = lineBytes;
        reopen();
    }

    private void reopen() throws IOException {
        if (out != null) {
            out.close();
        }
        out = new FileOutputStream(file.toFile(), true);
        openedKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    /** Writes for {@code seconds} at {@code bytesPerSecond}, checking before each burst that its file is still at the path. */
    void writeFor(double seconds, long bytesPerSecond) throws IOException, InterruptedException {
        writeFor(seconds, bytesPerSecond, Long.MAX_VALUE);
    }

    /** As {@link #writeFor}, rotating the file itself every {@code rotateBytes}, by rename and by copy-truncate in turn. */
    void writeFor(double seconds, long bytesPerSecond, long rotateBytes) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long sinceRotation = 0;
        long written = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            // 10 ms of lines at a time.
            long due = (long) ((System.nanoTime() - start) / 1e9 * bytesPerSecond);
            if (written >= due) {
                Thread.sleep(5);
                continue;
            }
            if (rotateBytes == Long.MAX_VALUE) {
                followPath();
            }
            StringBuilder burst = new StringBuilder();
            while (written + burst.length() < due + bytesPerSecond / 100) {
                burst.append(line(lines++));
            }
            byte[] data = burst.toString().getBytes(StandardCharsets.US_ASCII);
            out.write(data);
            written += data.length;
            sinceRotation += data.length;
            if (sinceRotation >= rotateBytes) {
                rotate();
                sinceRotation = 0;
            }
        }
    }

    /** As WatchedFileHandler: the file at the path is another one (or none): reopen. */
    private void followPath() throws IOException {
        Object key;
        try {
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException gone) {
            key = null;
        }
        if (!openedKey.equals(key)) {
            reopen();
        }
    }

    private void rotate() throws IOException {
        rotations++;
        Path rotated = file.resolveSibling(file.getFileName() + "." + String.format("%06d", rotations));
        if (rotations % 2 == 1) {
            Files.move(file, rotated, StandardCopyOption.ATOMIC_MOVE);
            reopen();
        } else {
            Files.copy(file, rotated);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
        }
    }

    private String line(long sequence) {
        String head = "seq=" + sequence + " ";
        return head + "x".repeat(Math.max(1, lineBytes - head.length() - 1)) + "\n";
    }

    long lines() {
        return lines;
    }

    int rotations() {
        return rotations;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** Which of {@code written} lines arrived how often: missing and duplicated sequence numbers. */
    record Tally(long written, long missing, long duplicated, long outOfOrder, String firstMissing) {}

    /** Counts the numbered lines of what was shipped, piece by piece (whole lines each), as tens of megabytes would fill the test's heap. */
    static final class Counter {
        private final BitSet seen = new BitSet();
        private long duplicated;
        private long outOfOrder;
        private long last = -1;

        Counter add(byte[] shipped) {
            for (int start = 0; start < shipped.length; ) {
                int end = start;
                while (end < shipped.length && shipped[end] != '\n') {
                    end++;
                }
                if (end - start > 4 && shipped[start] == 's' && shipped[start + 1] == 'e' && shipped[start + 2] == 'q' && shipped[start + 3] == '=') {
                    int sequence = 0;
                    for (int i = start + 4; i < end && shipped[i] >= '0' && shipped[i] <= '9'; i++) {
                        sequence = sequence * 10 + shipped[i] - '0';
                    }
                    duplicated += seen.get(sequence) ? 1 : 0;
                    outOfOrder += sequence < last ? 1 : 0;
                    last = sequence;
                    seen.set(sequence);
                }
                start = end + 1;
            }
            return this;
        }

        Tally of(long written) {
            int firstMissing = seen.nextClearBit(0);
            return new Tally(written, written - seen.get(0, (int) written).cardinality(), duplicated, outOfOrder,
                    firstMissing < written ? "seq=" + firstMissing : "none");
        }
    }
}
