package io.submarine.metrics.ship;

import io.submarine.logsegment.SegmentJson;
import io.submarine.logsegment.StateFile;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportContent;
import io.submarine.metastore.client.ReportKind;
import io.submarine.metrics.events.Event;
import io.submarine.metrics.events.TfRecords;
import io.submarine.storage.Location;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports each committed piece to the metastore, on its own thread so that a slow or absent
 * metastore never holds up uploads (the client spools what it cannot deliver): its scalars as
 * {@code metric-points} and the piece itself as an {@code event-file-segments} report. Every key
 * derives from the pod, the file and the piece's first byte, so a piece reported again after a
 * crash is one report. How far each file is reported is kept in a {@link StateFile}.
 *
 * <p>A point's key is the tag, prefixed with the run's directory under the logdir unless the file
 * is at its top ({@code train/loss}, or {@code loss}), so an owner's curves are apart by run.
 */
final class PointReporter implements PieceUploader.CommitListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PointReporter.class);
    /** The metastore's limits: points per report, characters per key. */
    static final int MAX_POINTS = 10_000;
    static final int MAX_KEY = 250;

    private final MetastoreClient client;
    private final PodIdentity identity;
    private final StateFile state;
    private final Map<String, Object> reported;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "point-reporter");
        thread.setDaemon(true);
        return thread;
    });
    private boolean longKeysLogged;

    PointReporter(MetastoreClient client, PodIdentity identity, StateFile state) throws IOException {
        this.client = client;
        this.identity = identity;
        this.state = state;
        Map<String, Object> saved = new TreeMap<>();
        try {
            Optional<Object> loaded = state.load();
            if (loaded.isPresent()) {
                saved.putAll(SegmentJson.object(loaded.get(), "the reported offsets"));
            }
        } catch (IOException damaged) {
            // Reporting again from the start is safe: the metastore takes each key once.
            LOG.warn("{} is unreadable ({}); every piece in storage is reported again, as the same reports", state.path(), damaged.getMessage());
        }
        this.reported = saved;
    }

    /** Where {@code relativePath} is reported up to. */
    synchronized long reportedEnd(String relativePath) {
        return reported.get(relativePath) instanceof Number end ? end.longValue() : 0;
    }

    @Override
    public void committed(EventFile.Piece piece, Location location) {
        sender.execute(() -> {
            try {
                report(piece, location);
            } catch (IOException | RuntimeException e) {
                LOG.warn("{} bytes {}-{} not reported to the metastore: {}", piece.file().relativePath(), piece.start(), piece.end(), e.getMessage());
            }
        });
    }

    private void report(EventFile.Piece piece, Location location) throws IOException {
        EventFile file = piece.file();
        FileChannel channel = file.channel();
        if (channel == null) {
            LOG.warn("{} is gone from the logdir; its bytes {}-{} are in storage but their points are not reported", file.relativePath(),
                    piece.start(), piece.end());
            return;
        }
        List<ReportContent.MetricPoints.Point> points = new ArrayList<>();
        int longKeys = 0;
        TfRecords.Scanner records = new TfRecords.Scanner(channel, piece.start(), piece.end());
        for (TfRecords.Read read = records.next(); !(read instanceof TfRecords.Incomplete || read instanceof TfRecords.BadLength); read = records.next()) {
            if (!(read instanceof TfRecords.Record record)) {
                continue;
            }
            Event event;
            try {
                event = Event.decode(record.data());
            } catch (IllegalArgumentException malformed) {
                continue;
            }
            for (Event.Scalar scalar : event.scalars()) {
                String key = file.run().equals(".") ? scalar.tag() : file.run() + "/" + scalar.tag();
                if (key.isEmpty() || key.length() > MAX_KEY) {
                    longKeys++;
                    continue;
                }
                points.add(new ReportContent.MetricPoints.Point(key, scalar.step(), scalar.value(), Math.round(scalar.wallTime() * 1000)));
            }
        }
        if (longKeys > 0 && !longKeysLogged) {
            longKeysLogged = true;
            LOG.warn("{} scalars of {} have an empty key or one longer than {} characters (run and tag); the metastore cannot take them, "
                    + "they are in storage only", longKeys, file.relativePath(), MAX_KEY);
        }
        for (int chunk = 0; chunk * MAX_POINTS < points.size(); chunk++) {
            List<ReportContent.MetricPoints.Point> part = points.subList(chunk * MAX_POINTS, Math.min(points.size(), (chunk + 1) * MAX_POINTS));
            ReportContent.MetricPoints content = new ReportContent.MetricPoints(List.copyOf(part));
            client.report(new Report(ReportKind.METRIC_POINTS, identity, content.payload(), key("points", file, piece.start(), chunk)));
        }
        ReportContent.EventFileSegment segment = new ReportContent.EventFileSegment(file.relativePath(), piece.start(), location.uri(),
                piece.start(), piece.end());
        client.report(new Report(ReportKind.EVENT_FILE_SEGMENT, identity, segment.payload(), key("piece", file, piece.start(), 0)));
        synchronized (this) {
            reported.put(file.relativePath(), piece.end());
            state.save(reported);
        }
    }

    /** The same for the same piece of the same pod's file, whoever sends it and how often. */
    private String key(String what, EventFile file, long start, int chunk) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join("\n", identity.podUid(), what, file.relativePath(),
                    Long.toString(start), Integer.toString(chunk)).getBytes(StandardCharsets.UTF_8));
            return "tfevents-" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Sends what is queued, for at most {@code timeout}; true if it all went (or was spooled). */
    boolean flush(Duration timeout) throws InterruptedException {
        sender.shutdown();
        return sender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reports waiting in the client's spool on the pod's volume. */
    long spooled() {
        try {
            return client.spooled();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }
}
