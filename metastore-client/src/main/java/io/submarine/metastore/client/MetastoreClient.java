package io.submarine.metastore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends reports to the metastore. A report the metastore can't take now (down, 5xx, timeouts,
 * after the retries) goes to the spool directory instead, and the spool is replayed, oldest
 * first, before the next report and on {@link #flush()}; so reports arrive in order and none is
 * lost while either side restarts. A report the metastore refuses (4xx) is an error at once.
 */
public final class MetastoreClient {

    private static final Logger LOG = LoggerFactory.getLogger(MetastoreClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What became of a report. */
    public enum Outcome { ACCEPTED, DUPLICATE, SPOOLED }

    /** Waits between attempts; injected so tests don't sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final URI baseUrl;
    private final Optional<String> token;
    private final Path spool;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Sleeper sleeper;
    private final HttpClient http;
    private final AtomicLong sequence = new AtomicLong();

    public MetastoreClient(URI baseUrl, Optional<String> token, Path spool, int maxAttempts, Duration initialBackoff, Sleeper sleeper) throws IOException {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.baseUrl = URI.create(baseUrl.toString().replaceAll("/+$", "") + "/");
        this.token = token;
        this.spool = Files.createDirectories(spool);
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.sleeper = sleeper;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Stream<Path> spooled = Files.list(this.spool)) {
            spooled.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, n.indexOf('.')))).max().ifPresent(sequence::set);
        }
    }

    /** Sends {@code report} after anything spooled before it; spools it if the metastore can't take it now. */
    public synchronized Outcome report(Report report) throws IOException {
        if (!flush()) {
            spool(report);
            return Outcome.SPOOLED;
        }
        try {
            return send(report);
        } catch (UnavailableException e) {
            LOG.warn("metastore unavailable ({}); spooled the {} report to {}", e.getMessage(), report.kind(), spool);
            spool(report);
            return Outcome.SPOOLED;
        }
    }

    /**
     * Sends {@code report} now, with the retries, and never spools it: for a caller that keeps its
     * reports itself until they are taken (the tracking journal).
     *
     * @return false if the metastore could not take it now (down, 5xx, timeouts)
     * @throws ReportRejectedException if the metastore refused it (4xx)
     */
    public synchronized boolean deliver(Report report) throws IOException {
        try {
            send(report);
            return true;
        } catch (UnavailableException e) {
            return false;
        }
    }

    /** Replays the spool in order; true when it is empty afterwards. */
    public synchronized boolean flush() throws IOException {
        List<Path> pending;
        try (Stream<Path> spooled = Files.list(spool)) {
            pending = spooled.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : pending) {
            JsonNode stored = readSpooled(file);
            if (stored == null) {
                continue;
            }
            try {
                send(stored.path("kind").asText(), stored.path("idempotencyKey").asText(), stored.path("body"));
            } catch (UnavailableException e) {
                return false;
            } catch (ReportRejectedException e) {
                // Kept aside, not lost: an operator can read why and resend it.
                Files.move(file, file.resolveSibling(file.getFileName() + ".rejected"), StandardCopyOption.ATOMIC_MOVE);
                LOG.error("spooled report {} was refused and set aside: {}", file.getFileName(), e.getMessage());
                continue;
            }
            Files.delete(file);
        }
        return true;
    }

    /** A spooled report, or null when it cannot be read: kept aside then, so that it does not hold back the rest. */
    private static JsonNode readSpooled(Path file) throws IOException {
        String problem;
        try {
            JsonNode stored = JSON.readTree(file.toFile());
            if (stored.isObject() && stored.path("kind").isTextual() && stored.path("body").isObject()) {
                return stored;
            }
            problem = "not a spooled report (empty, or cut short)";
        } catch (IOException e) {
            problem = e.getMessage();
        }
        Files.move(file, file.resolveSibling(file.getFileName() + ".unreadable"), StandardCopyOption.ATOMIC_MOVE);
        LOG.error("spooled report {} cannot be read and was set aside: {}", file.getFileName(), problem);
        return null;
    }

    /** Reports waiting in the spool. */
    public long spooled() throws IOException {
        try (Stream<Path> spooled = Files.list(spool)) {
            return spooled.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        }
    }

    private void spool(Report report) throws IOException {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("kind", report.kind().path());
        stored.put("idempotencyKey", report.idempotencyKey());
        stored.put("body", body(report));
        Path aside = Files.createTempFile(spool, ".spooling-", ".tmp");
        // On disk before it is named: a report renamed into the spool but lost in a crash would be an empty file.
        try (FileChannel channel = FileChannel.open(aside, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(stored));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(aside, spool.resolve(String.format("%020d.json", sequence.incrementAndGet())), StandardCopyOption.ATOMIC_MOVE);
    }

    private static Map<String, Object> body(Report report) {
        Map<String, Object> body = new LinkedHashMap<>();
        PodIdentity who = report.identity();
        body.put("namespace", who.namespace());
        body.put("pod", who.pod());
        body.put("podUid", who.podUid());
        body.put("container", who.container());
        body.put("restart", who.restart());
        body.put("ownerKind", who.ownerKind());
        body.put("ownerName", who.ownerName());
        body.put("payload", report.payload());
        return body;
    }

    private Outcome send(Report report) throws IOException {
        return send(report.kind().path(), report.idempotencyKey(), JSON.valueToTree(body(report)));
    }

    private Outcome send(String kindPath, String key, JsonNode body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl.resolve("api/v1/reports/" + kindPath))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        Duration backoff = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            String problem;
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status == 201) {
                    return Outcome.ACCEPTED;
                }
                if (status == 200) {
                    return Outcome.DUPLICATE;
                }
                if (status >= 400 && status < 500 && status != 408 && status != 429) {
                    throw new ReportRejectedException(status, response.body());
                }
                problem = "HTTP " + status;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reporting");
            } catch (ReportRejectedException e) {
                throw e;
            } catch (IOException e) {
                problem = e.getClass().getSimpleName();
            }
            if (attempt >= maxAttempts) {
                throw new UnavailableException(problem + " after " + attempt + " attempts");
            }
            try {
                sleeper.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reporting");
            }
            backoff = backoff.multipliedBy(2);
        }
    }

    /** The metastore could not be reached or answered 5xx, after the retries. */
    private static final class UnavailableException extends IOException {
        UnavailableException(String message) {
            super(message);
        }
    }
}
