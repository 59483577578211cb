package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.auth.Tokens;
import io.submarine.metastore.client.MetastoreClient.Outcome;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportContent;
import io.submarine.metastore.client.ReportRejectedException;
import io.submarine.metastore.db.Database;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metastore-client against the real service (embedded H2), including the service being down and coming back. */
class MetastoreClientTest {

    private static final PodIdentity POD = new PodIdentity("team-a", "trainer-0", "uid-1", "localizer", 0, "experiment", "resnet");

    @TempDir
    Path dir;

    private MetastoreServer start(int port) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "reporter r-token\nreader q-token\n");
        return MetastoreServer.start(Database.embedded(dir.resolve("db")), Optional.of(Tokens.read(tokens)), "127.0.0.1", port, 1 << 20);
    }

    private MetastoreClient client(int port, String token) throws Exception {
        return new MetastoreClient(URI.create("http://127.0.0.1:" + port), Optional.of(token), dir.resolve("spool"), 2, Duration.ofMillis(1), d -> { });
    }

    private static Report localization(String source) {
        return Report.of(POD, new ReportContent.Localization(source, "git", "https://git.example/" + source + ".git", "/code/" + source, "abc",
                3, 1024, 0.5, false, "succeeded"));
    }

    @Test
    void reportsAreAcceptedOnceAndRefusalsAreErrors() throws Exception {
        try (MetastoreServer server = start(0)) {
            MetastoreClient client = client(server.port(), "r-token");
            assertThat(client.report(localization("trainer"))).isEqualTo(Outcome.ACCEPTED);
            assertThat(client.report(localization("trainer"))).as("same report, same derived key").isEqualTo(Outcome.DUPLICATE);
            assertThat(client.report(localization("data"))).isEqualTo(Outcome.ACCEPTED);

            MetastoreClient reader = client(server.port(), "q-token");
            assertThatThrownBy(() -> reader.report(localization("x"))).isInstanceOf(ReportRejectedException.class).hasMessageContaining("403");
            assertThat(reader.spooled()).isZero();
        }
    }

    @Test
    void everyKindHasATypedReportThatTheMetastoreTakes() throws Exception {
        List<ReportContent> contents = List.of(
                new ReportContent.Localization("trainer", "git", "https://git.example/t.git", "/code/trainer", "0123abc", 12, 4096, 1.5, false, "succeeded"),
                new ReportContent.LogSegment("main", 7, "s3://logs/team-a/p/uid/logs/main/0/0000000007.log.zst", 100, 200, 10, 20, List.of("/var/log/a.log"), 0, 0),
                new ReportContent.EventFileSegment("events.out.tfevents.1", 2, "s3://runs/team-a/p/uid/events/2", 0, 4096),
                new ReportContent.MetricPoints(List.of(new ReportContent.MetricPoints.Point("loss", 3, 0.25, 1_700_000_000_000L))),
                new ReportContent.ModelVersion("s3://models/resnet/3", "sha256:ab12", 4, 1 << 20),
                ReportContent.Lifecycle.finished(137));
        try (MetastoreServer server = start(0)) {
            MetastoreClient client = client(server.port(), "r-token");
            for (ReportContent content : contents) {
                assertThat(client.report(Report.of(POD, content))).as(content.kind().path()).isEqualTo(Outcome.ACCEPTED);
                HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/api/v1/reports/" + content.kind().path() + "?pod=trainer-0")).header("Authorization", "Bearer q-token").build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode payload = new ObjectMapper().readTree(listing.body()).path("items").get(0).path("payload");
                if (content instanceof ReportContent.MetricPoints) {
                    assertThat(payload.path("points").asInt()).as("points are stored apart, counted here").isEqualTo(1);
                } else {
                    ObjectMapper json = new ObjectMapper();
                    assertThat(payload).as(content.kind().path()).isEqualTo(json.readTree(json.writeValueAsString(content.payload())));
                }
            }
            HttpResponse<String> history = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/v1/metrics/history?ownerKind=experiment&ownerName=resnet&key=loss")).header("Authorization", "Bearer q-token").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(new ObjectMapper().readTree(history.body()).path("points").get(0).path("value").asDouble()).isEqualTo(0.25);
        }
    }

    @Test
    void whileTheMetastoreIsDownReportsAreSpooledThenReplayedInOrder() throws Exception {
        int port = Fixtures.freePort();
        MetastoreClient client = client(port, "r-token");
        for (String source : new String[] {"first", "second", "third"}) {
            assertThat(client.report(localization(source))).isEqualTo(Outcome.SPOOLED);
        }
        assertThat(client.spooled()).isEqualTo(3);

        // A new client (the program restarted) finds the spool and continues its numbering.
        MetastoreClient restarted = client(port, "r-token");
        try (MetastoreServer server = start(port)) {
            assertThat(restarted.report(localization("fourth"))).isEqualTo(Outcome.ACCEPTED);
            assertThat(restarted.spooled()).isZero();
            HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/v1/reports/localizations?pod=trainer-0"))
                    .header("Authorization", "Bearer q-token").build(), HttpResponse.BodyHandlers.ofString());
            JsonNode items = new ObjectMapper().readTree(listing.body()).path("items");
            assertThat(items).extracting(item -> item.path("payload").path("source").asText())
                    .containsExactly("first", "second", "third", "fourth");
        }
    }

    /**
     * A spooled report that cannot be read (emptied by a crash, cut short, edited by hand) is set
     * aside, where an operator finds it, and the reports after it are still delivered.
     */
    @Test
    void anUnreadableSpooledReportIsSetAsideAndTheRestDelivered() throws Exception {
        int port = Fixtures.freePort();
        MetastoreClient client = client(port, "r-token");
        for (String source : new String[] {"first", "second", "third"}) {
            assertThat(client.report(localization(source))).isEqualTo(Outcome.SPOOLED);
        }
        List<Path> spooled;
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("spool"))) {
            spooled = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        Files.write(spooled.get(0), new byte[0]);
        Files.writeString(spooled.get(1), "{\"kind\": \"localizations\", \"idem");

        try (MetastoreServer server = start(port)) {
            assertThat(client.flush()).isTrue();
            assertThat(client.spooled()).isZero();
            HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/v1/reports/localizations?pod=trainer-0"))
                    .header("Authorization", "Bearer q-token").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(new ObjectMapper().readTree(listing.body()).path("items")).extracting(item -> item.path("payload").path("source").asText())
                    .containsExactly("third");
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("spool"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    spooled.get(0).getFileName() + ".unreadable", spooled.get(1).getFileName() + ".unreadable");
        }
    }
}
