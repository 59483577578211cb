package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.MetastoreClient.Outcome;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportKind;
import io.submarine.metastore.client.ReportRejectedException;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
        return Report.of(ReportKind.LOCALIZATION, POD, Map.of("source", source, "revision", "abc"));
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
}
