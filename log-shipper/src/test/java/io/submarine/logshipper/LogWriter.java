package io.submarine.logshipper;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * A task writing its log as real ones do: lines of varied length (some not valid UTF-8), rotated
 * by rename (with a few late lines into the renamed file, as before logrotate's signal lands)
 * and by copy-truncate. Remembers every byte it wrote, in order, to compare with the remote.
 */
final class LogWriter implements AutoCloseable {

    /** Twice the rotate wait the tests give the shipper. */
    static final long ROTATION_PAUSE_MILLIS = 400;

    private final long rotationPauseMillis = ROTATION_PAUSE_MILLIS;
    private Gate beforeRotation = () -> { };

    /** What must hold before the next rotation; may wait. */
    @FunctionalInterface
    interface Gate {
        void await() throws Exception;
    }

    private final Path file;
    private final Random random;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private OutputStream out;
    private long lines;

    LogWriter(Path file, long seed) throws IOException {
        this.file = file;
        this.random = new Random(seed);
        this.out = new FileOutputStream(file.toFile(), true);
    }

    synchronized void line() throws IOException {
        write(randomLine());
    }

    /** Writes {@code bytes} as they are; with no trailing newline it is a partial last line. */
    synchronized void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        written.write(bytes);
        for (byte b : bytes) {
            if (b == '\n') {
                lines++;
            }
        }
    }

    synchronized void rotateByRename() throws IOException {
        Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        line();
        line();
        out.close();
        out = new FileOutputStream(file.toFile(), true);
    }

    /**
     * As Python's RotatingFileHandler and log4j's rolling file appender rotate: the oldest backup
     * deleted, each {@code .N} renamed to {@code .N+1}, the file to {@code .1}; nothing is written
     * to it after that.
     */
    synchronized void rotateByRenameChain(int backups) throws IOException {
        out.close();
        Files.deleteIfExists(backup(backups));
        for (int n = backups - 1; n >= 1; n--) {
            if (Files.exists(backup(n))) {
                Files.move(backup(n), backup(n + 1), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.move(file, backup(1), StandardCopyOption.ATOMIC_MOVE);
        out = new FileOutputStream(file.toFile(), true);
    }

    private Path backup(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    synchronized void rotateByCopyTruncate() throws IOException {
        Files.copy(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }

    /**
     * Lines, rotating every {@code rotateEvery} lines, by rename and copy-truncate in turn, with a
     * pause after each rotation longer than the shipper's rotate wait, as between real rotations.
     */
    void lines(int count, int rotateEvery, long pauseMicros) throws IOException, InterruptedException {
        for (int i = 1; i <= count; i++) {
            line();
            if (rotateEvery > 0 && i % rotateEvery == 0) {
                try {
                    beforeRotation.await();
                } catch (IOException | InterruptedException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
                if ((i / rotateEvery) % 2 == 1) {
                    rotateByRename();
                } else {
                    rotateByCopyTruncate();
                }
                Thread.sleep(rotationPauseMillis);
            }
            if (pauseMicros > 0) {
                java.util.concurrent.TimeUnit.MICROSECONDS.sleep(pauseMicros);
            }
        }
    }

    /** Rotates only once {@code gate} passes. */
    LogWriter rotateWhen(Gate gate) {
        this.beforeRotation = gate;
        return this;
    }

    synchronized byte[] written() {
        return written.toByteArray();
    }

    synchronized long linesWritten() {
        return lines;
    }

    private byte[] randomLine() {
        int kind = random.nextInt(100);
        StringBuilder text = new StringBuilder(String.format("2026-11-28T10:%02d:%02d.%03dZ INFO step=%d loss=%.5f ", random.nextInt(60),
                random.nextInt(60), random.nextInt(1000), lines, random.nextDouble()));
        int length = kind < 70 ? random.nextInt(120) : kind < 95 ? 200 + random.nextInt(2000) : random.nextInt(8);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        if (kind == 42) {
            bytes[bytes.length / 2] = (byte) 0xC3; // half of a two-byte sequence: not valid UTF-8, shipped as is
        }
        return bytes;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
