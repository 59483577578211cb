package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each committed segment reported to the real metastore (its own process), also when it comes up late. */
class ReportingTest {

    @TempDir
    Path dir;

    @Test
    void everySegmentIsReportedOnceEvenWhenTheMetastoreStartsLate() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "rep-token-55");
        int port = Fixtures.freePort();
        try (BlobStores store = BlobStores.load(StorageConfig.empty()); ExternalServer metastore = metastore(port)) {
            Scenario scenario = new Scenario(dir, dir.resolve("remote").toUri().toString(), Map.of(), store);
            LogWriter writer = new LogWriter(scenario.logs.resolve("app.log"), 21);
            try (writer; ShipperProcess shipper = scenario.start("--metastore-url", "http://127.0.0.1:" + port, "--metastore-token-file", token.toString())) {
                shipper.healthPort(Duration.ofSeconds(60));
                shipper.awaitOutput("following", Duration.ofSeconds(30));
                writer.lines(300, 0, 2000);
                shipper.awaitOutput("committed", Duration.ofSeconds(30));
                metastore.start();
                writer.lines(300, 0, 2000);
                assertThat(shipper.terminate(Duration.ofSeconds(60))).isZero();
                assertThat(shipper.output()).doesNotContain("rep-token-55");
            }
            RemoteLog remote = scenario.remote("main");
            HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/reports/log-segments?namespace=team-a&pod=train-7&limit=1000"))
                    .header("Authorization", "Bearer read-token-66").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listing.statusCode()).isEqualTo(200);
            JsonNode items = new ObjectMapper().readTree(listing.body()).path("items");
            List<String> reported = new ArrayList<>();
            for (JsonNode item : items) {
                assertThat(item.path("container").asText()).isEqualTo("main");
                assertThat(item.path("ownerName").asText()).isEqualTo("mnist");
                reported.add(item.path("payload").path("uri").asText().replaceAll(".*/", ""));
            }
            assertThat(reported).containsExactlyInAnyOrderElementsOf(remote.keys());
            JsonNode last = items.get(items.size() - 1).path("payload");
            assertThat(last.path("endLine").asLong()).isEqualTo(writer.linesWritten());
            // And the log comes back through the metastore, read from the segments in storage.
            HttpResponse<byte[]> log = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/logs?namespace=team-a&pod=train-7&container=main&fromLine=100&toLine=400"))
                    .header("Authorization", "Bearer read-token-66").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(log.statusCode()).isEqualTo(200);
            String[] lines = new String(writer.written(), StandardCharsets.ISO_8859_1).split("(?<=\n)");
            Scenario.assertSameBytes("lines 100 to 400 through the metastore", log.body(),
                    String.join("", Arrays.copyOfRange(lines, 100, 400)).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aLossReachesTheMetastoreInTheSegmentReports() throws Exception {
        int port = Fixtures.freePort();
        try (BlobStores store = BlobStores.load(StorageConfig.empty()); ExternalServer metastore = metastore(port)) {
            metastore.start();
            Scenario scenario = new Scenario(dir, dir.resolve("remote").toUri().toString(), Map.of(), store);
            try (ShipperProcess shipper = scenario.start("--rotate-wait", "PT3S", "--metastore-url", "http://127.0.0.1:" + port,
                    "--metastore-token-file", Files.writeString(dir.resolve("token"), "rep-token-55").toString())) {
                scenario.loseAFileSeenAtThePath(shipper.healthPort(Duration.ofSeconds(60)));
                assertThat(shipper.terminate(Duration.ofSeconds(60))).isZero();
            }
            HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/reports/log-segments?namespace=team-a&pod=train-7&limit=1000"))
                    .header("Authorization", "Bearer read-token-66").build(), HttpResponse.BodyHandlers.ofString());
            JsonNode items = new ObjectMapper().readTree(listing.body()).path("items");
            JsonNode last = items.get(items.size() - 1).path("payload");
            assertThat(last.path("endLine").asLong()).isEqualTo(2);
            assertThat(last.path("lostBytes").asLong()).isEqualTo(4);
            assertThat(last.path("gaps").asLong()).isEqualTo(1);
        }
    }

    /** The real metastore in its own process on {@code port}, not started yet; tokens for a reporter and a reader. */
    private ExternalServer metastore(int port) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "reporter rep-token-55\nreader read-token-66\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ExternalServer("metastore", List.of(java, "-cp", System.getProperty("java.class.path"), "io.submarine.metastore.Metastore",
                "--port", Integer.toString(port), "--data-dir", dir.resolve("db").toString(), "--token-file", tokens.toString()), Map.of(), port,
                dir.resolve("metastore.log"), Duration.ofSeconds(60));
    }
}
