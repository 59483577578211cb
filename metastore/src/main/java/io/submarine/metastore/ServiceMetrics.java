package io.submarine.metastore;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** What {@code /metrics} shows: reports received by kind, duplicates, metric points stored. */
final class ServiceMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter reports = Counter.builder().name("metastore_reports").help("Reports received, by kind and whether they repeated one already stored.")
            .labelNames("kind", "duplicate").register(registry);
    private final Counter points = Counter.builder().name("metastore_metric_points").help("Metric points stored.").register(registry);

    void reported(String kind, boolean duplicate, int pointCount) {
        reports.labelValues(kind, Boolean.toString(duplicate)).inc();
        if (!duplicate) {
            points.inc(pointCount);
        }
    }

    String contentType() {
        return writer.getContentType();
    }

    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
