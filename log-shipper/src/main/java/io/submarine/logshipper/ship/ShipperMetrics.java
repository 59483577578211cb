package io.submarine.logshipper.ship;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/** What {@code /metrics} shows about shipping. */
public final class ShipperMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter readBytes = counter("logshipper_read_bytes", "Bytes read from the sources.");
    private final Counter readLines = counter("logshipper_read_lines", "Lines read from the sources.");
    private final Counter shippedBytes = counter("logshipper_shipped_bytes", "Bytes in committed segments (before compression).");
    private final Counter shippedLines = counter("logshipper_shipped_lines", "Lines in committed segments.");
    private final Counter segments = counter("logshipper_segments", "Segments committed to storage.");
    private final Counter uploadErrors = counter("logshipper_upload_errors", "Failed segment uploads (each is retried).");
    private final Counter spoolFullSeconds = counter("logshipper_spool_full_seconds", "Seconds reading waited because the spool was full.");
    private final Counter readGaps = counter("logshipper_read_gaps",
            "Times bytes of a file were lost: deleted or overwritten before they were read; the log names the file and byte range.");
    private final Counter lostBytes = counter("logshipper_lost_bytes",
            "Bytes known to be lost (a lower bound: a file deleted before the shipper ever saw it counts as a gap only).");

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Gauges computed when scraped: spool bytes, whether it is full, and the age of the oldest unshipped line. */
    public void gauges(DoubleSupplier spoolBytes, DoubleSupplier spoolFull, DoubleSupplier lagSeconds) {
        gauge("logshipper_spool_bytes", "Bytes of sealed segments waiting for upload.", spoolBytes);
        gauge("logshipper_spool_full", "1 while reading waits for the spool to drain, else 0.", spoolFull);
        gauge("logshipper_lag_seconds", "Age of the oldest line read but not yet committed.", lagSeconds);
    }

    /** A gauge of the files that cannot be read now. */
    public void unreadableFiles(DoubleSupplier count) {
        gauge("logshipper_unreadable_files", "Log files that cannot be read now; the log names each. "
                + "Their lines wait, and each is tried again every poll.", count);
    }

    private void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value.getAsDouble())).register(registry);
    }

    public void read(long bytes, long lines) {
        readBytes.inc(bytes);
        readLines.inc(lines);
    }

    public void shipped(long bytes, long lines) {
        shippedBytes.inc(bytes);
        shippedLines.inc(lines);
        segments.inc();
    }

    public void uploadFailed() {
        uploadErrors.inc();
    }

    public void spoolWaited(double seconds) {
        spoolFullSeconds.inc(seconds);
    }

    /** A gap: {@code bytes} lost (0 if not known). */
    public void lost(long bytes) {
        readGaps.inc();
        lostBytes.inc(bytes);
    }
}
