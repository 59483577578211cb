package io.submarine.metastore.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.logsegment.Position;
import io.submarine.logsegment.SealedSegment;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.logsegment.SegmentWriter;
import io.submarine.metastore.MetastoreServer;
import io.submarine.metastore.auth.Tokens;
import io.submarine.metastore.db.Database;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's log read back through the metastore from segments in blob storage (file://
 * here; the storage library is the same for every backend), written by the same segment writer
 * the log shipper uses, and reported as the log shipper reports them.
 */
class LogReadBackTest {

    private static final String REPORTER = "rep-1";
    private static final String READER = "read-2";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private MetastoreServer server;
    private BlobStores store;
    private Location stream;
    private final StringBuilder written = new StringBuilder();
    private long lines;
    private SegmentFormat format = SegmentFormat.ZSTD;

    @BeforeEach
    void start() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "reporter " + REPORTER + "\nreader " + READER + "\n");
        store = BlobStores.load(StorageConfig.empty());
        server = MetastoreServer.start(Database.embedded(dir.resolve("db")), Optional.of(Tokens.read(tokens)), "127.0.0.1", 0, 1 << 20, Optional.empty(),
                store, MetastoreServer.Artifacts.temporary());
        stream = Location.of(dir.resolve("remote").toUri().toString()).asDirectory().resolve("team-a/experiment/mnist/train-7/uid-7/logs/main/0/");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    /** One segment of {@code count} lines, stored and reported as log-shipper does. */
    private void segment(long sequence, int count) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append("line ").append(lines + i).append(" of the log, é").append(i % 7 == 0 ? " with more words" : "").append('\n');
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        SegmentWriter writer = new SegmentWriter(dir.resolve("segment-" + sequence), format, Instant.now());
        writer.write("/var/log/app.log", bytes, 0, bytes.length, count, new Position("f", "", written.length(), written.length(), lines));
        SealedSegment sealed = writer.seal("main", 0, sequence, written.toString().getBytes(StandardCharsets.UTF_8).length, lines,
                Map.of("/var/log/app.log", new Position("f", "", 0, 0, lines + count)), Instant.now());
        Location location = stream.resolve(sealed.objectName());
        store.write(location, Files.newInputStream(sealed.file()), WriteMode.CREATE_IF_ABSENT);
        String body = String.format("{\"namespace\":\"team-a\",\"pod\":\"train-7\",\"podUid\":\"uid-7\",\"container\":\"main\",\"restart\":0,"
                + "\"ownerKind\":\"experiment\",\"ownerName\":\"mnist\",\"payload\":{\"uri\":\"%s\",\"sequence\":%d,\"firstLine\":%d,\"endLine\":%d}}",
                location.uri(), sequence, lines, lines + count);
        HttpResponse<String> reported = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/v1/reports/log-segments"))).header("Authorization", "Bearer " + REPORTER)
                .header("Idempotency-Key", location.uri()).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reported.statusCode()).isEqualTo(201);
        written.append(text);
        lines += count;
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private HttpResponse<String> logs(String query, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/v1/logs?namespace=team-a&pod=train-7&container=main" + query)))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String expectedLines(long from, long to) {
        String[] all = written.toString().split("(?<=\n)");
        StringBuilder range = new StringBuilder();
        for (long i = from; i < Math.min(to, all.length); i++) {
            range.append(all[(int) i]);
        }
        return range.toString();
    }

    @Test
    void anyLineRangeComesBackAcrossSegments() throws Exception {
        segment(0, 100);
        format = SegmentFormat.GZIP;
        segment(1, 120);
        format = SegmentFormat.ZSTD;
        segment(2, 80);
        HttpResponse<String> all = logs("", READER);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(all.body()).isEqualTo(written.toString());
        assertThat(logs("&fromLine=95&toLine=230", READER).body()).isEqualTo(expectedLines(95, 230));
        assertThat(logs("&fromLine=100&toLine=101", READER).body()).isEqualTo(expectedLines(100, 101)).startsWith("line 100 ");
        assertThat(logs("&fromLine=299", READER).body()).isEqualTo(expectedLines(299, 300));
        assertThat(logs("&fromLine=300", READER).body()).isEmpty();
    }

    @Test
    void followGoesOnUntilTheRunIsComplete() throws Exception {
        segment(0, 50);
        CompletableFuture<HttpResponse<String>> following = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url(
                "/api/v1/logs?namespace=team-a&pod=train-7&container=main&fromLine=10&follow=true"))).header("Authorization", "Bearer " + READER).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(1500);
        assertThat(following).isNotDone();
        segment(1, 70);
        Thread.sleep(1500);
        assertThat(following).isNotDone();
        store.write(stream.resolve("_COMPLETE"), new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)), WriteMode.OVERWRITE);
        HttpResponse<String> response = following.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(response.body()).isEqualTo(expectedLines(10, 120));
    }

    @Test
    void manyFollowersLeaveTheServiceAnswering() throws Exception {
        segment(0, 20);
        // More followers than Vert.x has worker threads (20): a follower that held one while it
        // waited for new segments would leave nothing for database requests.
        List<CompletableFuture<HttpResponse<String>>> followers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            followers.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url("/api/v1/logs?namespace=team-a&pod=train-7&container=main&follow=true")))
                    .header("Authorization", "Bearer " + READER).build(), HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(2000);
        HttpResponse<String> listed = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/v1/reports/log-segments?namespace=team-a")))
                .header("Authorization", "Bearer " + READER).timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listed.statusCode()).isEqualTo(200);
        segment(1, 5);
        store.write(stream.resolve("_COMPLETE"), new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)), WriteMode.OVERWRITE);
        for (CompletableFuture<HttpResponse<String>> follower : followers) {
            assertThat(follower.get(30, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo(written.toString());
        }
    }

    @Test
    void badRequestsAreClientErrors() throws Exception {
        segment(0, 10);
        HttpResponse<String> backwards = logs("&fromLine=5&toLine=2", READER);
        assertThat(backwards.statusCode()).as("a range ending before it starts holds no lines").isEqualTo(200);
        assertThat(backwards.body()).isEmpty();
        assertThat(logs("&fromLine=-1", READER).statusCode()).isEqualTo(400);
        assertThat(logs("&follow=maybe", READER).statusCode()).isEqualTo(400);
        assertThat(logs("&restart=1", READER).statusCode()).isEqualTo(404);
        assertThat(logs("", REPORTER).statusCode()).isEqualTo(403);
        HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/v1/logs?namespace=team-a&pod=train-7")))
                .header("Authorization", "Bearer " + READER).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("container");
    }
}
