package io.submarine.localizer.fetch;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A download's progress (bytes, files, rate) logged every ten seconds, so that a long archive or
 * model version is not a silent init container; a short one logs nothing. Bytes may be added
 * from several threads at once (a model's files download side by side).
 */
final class TransferProgress {

    private static final Logger LOG = LoggerFactory.getLogger(TransferProgress.class);

    private final String source;
    private final LongSupplier files;
    private final long totalFiles;
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private final long start;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lastLog;

    /**
     * @param files the files written so far, or null for a single file
     * @param totalFiles how many there will be, or -1 when unknown until the end (an archive)
     */
    TransferProgress(String source, LongSupplier files, long totalFiles) {
        this(source, files, totalFiles, Duration.ofSeconds(10), System::nanoTime);
    }

    TransferProgress(String source, LongSupplier files, long totalFiles, Duration every, LongSupplier nanoTime) {
        this.source = source;
        this.files = files;
        this.totalFiles = totalFiles;
        this.everyNanos = every.toNanos();
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
        this.lastLog = new AtomicLong(start);
    }

    void add(long count) {
        long total = bytes.addAndGet(count);
        long now = nanoTime.getAsLong();
        long last = lastLog.get();
        if (now - last >= everyNanos && lastLog.compareAndSet(last, now)) {
            double seconds = Math.max(1e-9, (now - start) / 1e9);
            String written = files == null ? "" : totalFiles >= 0 ? ", " + files.getAsLong() + " of " + totalFiles + " files" : ", " + files.getAsLong() + " files";
            LOG.info("source '{}': {} MB{} so far in {} s, {} MB/s", source, total / 1_000_000, written, String.format(Locale.ROOT, "%.0f", seconds),
                    String.format(Locale.ROOT, "%.1f", total / 1e6 / seconds));
        }
    }
}
