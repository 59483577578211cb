package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The localizer reporting to the real metastore, run as its own process, as in a pod. */
class ReportingTest {

    @TempDir
    Path work;

    private Map<String, String> pod(String metastore, Path token) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(Map.of("POD_NAMESPACE", "team-a", "POD_NAME", "trainer-0", "POD_UID", "uid-7", "SUBMARINE_OWNER_KIND", "experiment",
                "SUBMARINE_OWNER_NAME", "resnet", "SUBMARINE_METASTORE_URL", metastore, "SUBMARINE_METASTORE_TOKEN_FILE", token.toString()));
        return env;
    }

    private ExternalServer metastore(int port) throws Exception {
        Path tokens = Files.writeString(work.resolve("tokens"), "reporter rep-token-55\nreader read-token-66\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ExternalServer server = new ExternalServer("metastore", List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.submarine.metastore.Metastore", "--port", Integer.toString(port), "--data-dir", work.resolve("db").toString(),
                "--token-file", tokens.toString()), Map.of(), port, work.resolve("metastore.log"), Duration.ofSeconds(60));
        server.start();
        return server;
    }

    @Test
    void localizationsAreReportedWithThePodAndOwner() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        Path token = Files.writeString(work.resolve("token"), "rep-token-55");
        int port = Fixtures.freePort();
        try (ExternalServer metastore = metastore(port)) {
            assertThat(Localizer.run(pod("http://127.0.0.1:" + metastore.port(), token), "--code-root", work.resolve("code").toString(),
                    "--url", "file://" + repo, "--require-report")).isZero();
            HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/reports/localizations?namespace=team-a&pod=trainer-0"))
                    .header("Authorization", "Bearer read-token-66").build(), HttpResponse.BodyHandlers.ofString());
            JsonNode item = new ObjectMapper().readTree(listing.body()).path("items").get(0);
            assertThat(item.path("ownerName").asText()).isEqualTo("resnet");
            assertThat(item.path("container").asText()).isEqualTo("localizer");
            assertThat(item.path("payload").path("revision").asText()).isEqualTo(TestRepos.git(repo, "rev-parse", "HEAD"));
        }
    }

    @Test
    void anUnreachableMetastoreFailsTheRunOnlyWhenReportsAreRequired() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        Path token = Files.writeString(work.resolve("token"), "rep-token-55");
        String nowhere = "http://127.0.0.1:" + Fixtures.freePort();
        Path code = work.resolve("code");
        assertThat(Localizer.run(pod(nowhere, token), "--code-root", code.toString(), "--url", "file://" + repo)).isZero();
        assertThat(code.resolve("trainer/README.md")).exists();
        try (Stream<Path> spooled = Files.list(code.resolve(".metastore-spool"))) {
            assertThat(spooled.filter(p -> p.toString().endsWith(".json"))).as("kept for a later program to deliver").hasSize(1);
        }
        assertThat(Localizer.run(pod(nowhere, token), "--code-root", work.resolve("code2").toString(), "--url", "file://" + repo,
                "--require-report")).isEqualTo(ExitCode.UNREACHABLE.code());
    }
}
