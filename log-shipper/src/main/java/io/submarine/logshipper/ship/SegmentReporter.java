package io.submarine.logshipper.ship;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SegmentIndex;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportContent;
import io.submarine.storage.Location;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports each committed segment to the metastore, with the stream's losses so far (bytes known
 * lost and gaps, so a loss reaches whoever reads the reports), on its own thread so that a slow or absent
 * metastore never holds up uploads; the client spools what it cannot deliver. The key is derived
 * from what is reported, which is the same for the same segment: reported twice, it is one report.
 */
public final class SegmentReporter implements Uploader.CommitListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentReporter.class);

    private final MetastoreClient client;
    private final PodIdentity identity;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "segment-reporter");
        thread.setDaemon(true);
        return thread;
    });

    public SegmentReporter(MetastoreClient client, PodIdentity identity) {
        this.client = client;
        this.identity = identity;
    }

    @Override
    public void committed(LogStream stream, Location location, SegmentIndex index) {
        Report report = Report.of(identity.as(stream.name(), stream.restart()), new ReportContent.LogSegment(stream.name(), index.sequence(),
                location.uri(), index.firstByte(), index.endByte(), index.firstLine(), index.endLine(),
                index.runs().stream().map(SegmentIndex.Run::source).distinct().toList(),
                index.positions().values().stream().mapToLong(Position::lostBytes).sum(), index.positions().values().stream().mapToLong(Position::gaps).sum()));
        sender.execute(() -> {
            try {
                client.report(report);
            } catch (IOException | RuntimeException e) {
                LOG.warn("segment {} not reported to the metastore: {}", location, e.getMessage());
            }
        });
    }

    /** Sends what is queued, for at most {@code timeout}. */
    public void flush(Duration timeout) throws InterruptedException {
        sender.shutdown();
        sender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }
}
