package io.submarine.metastore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.MetastoreServer;
import io.submarine.metastore.TestDatabase;
import io.submarine.storage.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The MLflow API keeps the roles, tried with the real MLflow client (src/test/resources/mlflow/
 * roles.py): a reader gets and searches only, a reporter also creates and logs, only an admin
 * deletes and restores; a refusal is 403 PERMISSION_DENIED, which the client raises as such.
 */
class MlflowRolesTest {

    private static final Map<String, String> TOKENS = Map.of("admin", TestDatabase.ADMIN, "reporter", TestDatabase.REPORTER, "reader", TestDatabase.READER);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static MetastoreServer server;
    private static String experimentId;
    private static String runId;

    @BeforeAll
    static void start() throws Exception {
        server = TestDatabase.H2.server();
        experimentId = admin("/experiments/create", "{\"name\":\"roles\"}").path("experiment_id").asText();
        runId = admin("/runs/create", "{\"experiment_id\":\"" + experimentId + "\"}").path("run").path("info").path("run_id").asText();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"reader, ok, PERMISSION_DENIED, PERMISSION_DENIED", "reporter, ok, ok, PERMISSION_DENIED", "admin, ok, ok, ok"})
    void eachRoleMayDoWhatItsRouteFamiliesAllow(String role, String read, String log, String manage) throws Exception {
        admin("/runs/set-tag", "{\"run_id\":\"" + runId + "\",\"key\":\"to-delete\",\"value\":\"x\"}");
        Map<String, String> expected = Map.of("read", read, "log", log, "manage", manage);
        Map<String, String> results = new TreeMap<>();
        for (JsonNode call : client(role)) {
            String family = call.path("family").asText();
            results.put(family + " " + call.path("call").asText(), call.path("result").asText());
        }
        assertThat(results).as("calls made").hasSize(19);
        results.forEach((call, result) -> assertThat(result).as("%s as %s", call, role).isEqualTo(expected.get(call.split(" ")[0])));
    }

    /** Runs roles.py with {@code role}'s token; its JSON lines. */
    private static List<JsonNode> client(String role) throws Exception {
        Path python = Fixtures.userTool("python");
        Path script = Path.of(MlflowRolesTest.class.getResource("/mlflow/roles.py").toURI());
        ProcessBuilder builder = new ProcessBuilder(python.toString(), script.toString()).directory(dir.toFile()).redirectErrorStream(false);
        builder.environment().putAll(Map.of("MLFLOW_TRACKING_URI", "http://127.0.0.1:" + server.port(), "MLFLOW_TRACKING_TOKEN", TOKENS.get(role),
                "EXPERIMENT_ID", experimentId, "RUN_ID", runId, "ROLE", role,
                // A refusal is the answer: the client is not to retry it (nor anything else) for minutes.
                "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0", "MLFLOW_HTTP_REQUEST_TIMEOUT", "30"));
        Path errors = dir.resolve("roles-" + role + ".err");
        Process process = builder.redirectError(errors.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("roles.py as %s:%n%s%n%s", role, out, Files.readString(errors)).isZero();
        return out.lines().filter(line -> line.startsWith("{")).map(line -> {
            try {
                return JSON.readTree(line);
            } catch (Exception e) {
                throw new IllegalStateException(line, e);
            }
        }).toList();
    }

    private static JsonNode admin(String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/2.0/mlflow" + path))
                .header("Authorization", "Bearer " + TOKENS.get("admin")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
