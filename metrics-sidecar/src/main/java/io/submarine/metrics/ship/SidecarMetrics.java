package io.submarine.metrics.ship;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * What {@code /metrics} shows: the sidecar's own health, and the latest value of each run's
 * scalars as a gauge, at most {@code maxSeries} of them (a run that logs a tag per layer must not
 * grow a scrape without bound); what is dropped is counted.
 */
public final class SidecarMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter readBytes = counter("metrics_sidecar_read_bytes", "Bytes of event files read (whole records).");
    private final Counter records = counter("metrics_sidecar_records", "Event records read.");
    private final Counter scalars = counter("metrics_sidecar_scalars", "Scalar values read.");
    private final Counter shippedBytes = counter("metrics_sidecar_shipped_bytes", "Bytes of event files committed to storage.");
    private final Counter pieces = counter("metrics_sidecar_pieces", "Pieces of event files committed to storage.");
    private final Counter uploadErrors = counter("metrics_sidecar_upload_errors", "Failed piece uploads (each is retried).");
    private final Counter badData = counter("metrics_sidecar_bad_data_records",
            "Records whose data CRC did not match: skipped by the reader, shipped as they are.");
    private final Counter malformed = counter("metrics_sidecar_malformed_events", "Records with a valid CRC that are not an Event proto.");
    private final Counter droppedSeries = counter("metrics_sidecar_dropped_series",
            "Scalar series (run and tag) not shown here because --max-series were shown already; they still go to storage and the metastore.");
    private final Gauge stoppedFiles = Gauge.builder().name("metrics_sidecar_stopped_file")
            .help("1 for an event file that stopped at a record whose length CRC did not match; the log says where. Nothing after it is read.")
            .labelNames("file").register(registry);
    private final Gauge latest = Gauge.builder().name("tfevents_scalar").help("The latest value of each scalar, by run (directory under --logdir) and tag.")
            .labelNames("run", "tag").register(registry);
    private final Gauge latestStep = Gauge.builder().name("tfevents_scalar_step").help("The step of tfevents_scalar's value.")
            .labelNames("run", "tag").register(registry);
    private final int maxSeries;
    private final Set<String> series = ConcurrentHashMap.newKeySet();
    private final Set<String> dropped = ConcurrentHashMap.newKeySet();

    public SidecarMetrics(int maxSeries) {
        this.maxSeries = maxSeries;
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Gauges computed when scraped. */
    public void gauges(DoubleSupplier files, DoubleSupplier lagSeconds, DoubleSupplier unshippedBytes, DoubleSupplier spooledReports) {
        gauge("metrics_sidecar_event_files", "Event files found under --logdir.", files);
        gauge("metrics_sidecar_lag_seconds", "Age of the oldest record read but not yet committed to storage.", lagSeconds);
        gauge("metrics_sidecar_unshipped_bytes", "Bytes of whole records read but not yet committed to storage.", unshippedBytes);
        gauge("metrics_sidecar_spooled_reports", "Reports waiting on the pod's volume for the metastore.", spooledReports);
    }

    private void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value.getAsDouble())).register(registry);
    }

    void read(long bytes) {
        readBytes.inc(bytes);
        records.inc();
    }

    void scalar(String run, String tag, long step, double value) {
        scalars.inc();
        String key = run + '\0' + tag;
        if (!series.contains(key)) {
            if (series.size() >= maxSeries) {
                if (dropped.add(key)) {
                    droppedSeries.inc();
                }
                return;
            }
            series.add(key);
        }
        latest.labelValues(run, tag).set(value);
        latestStep.labelValues(run, tag).set(step);
    }

    void shipped(long bytes) {
        shippedBytes.inc(bytes);
        pieces.inc();
    }

    void uploadFailed() {
        uploadErrors.inc();
    }

    void badData() {
        badData.inc();
    }

    void malformed() {
        malformed.inc();
    }

    void stopped(String file) {
        stoppedFiles.labelValues(file).set(1);
    }
}
