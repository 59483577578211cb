package io.submarine.metastore.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.metastore.MetastoreServer;
import io.submarine.metastore.PostgresServer;
import io.submarine.metastore.auth.Tokens;
import io.submarine.metastore.db.Database;
import io.submarine.storage.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service against its own {@code /openapi.yaml}, fuzzed by schemathesis (every check, 40
 * examples an operation, a fixed seed) as each role, on the embedded H2 and on PostgreSQL: no 500,
 * nothing the document allows refused, nothing it forbids taken, every status documented. What
 * the document cannot say is allowed in src/test/resources/schemathesis.toml, with why.
 */
class OpenApiContractTest {

    private static final Map<String, String> TOKENS = Map.of("admin", "contract-admin", "reporter", "contract-reporter", "reader", "contract-reader");
    private static final Duration RUN_LIMIT = Duration.ofMinutes(10);

    @TempDir
    static Path dir;
    private static Path pgDir;
    private static PostgresServer postgres;
    private static MetastoreServer h2;
    private static MetastoreServer pg;

    @BeforeAll
    static void start() throws Exception {
        StringBuilder lines = new StringBuilder();
        TOKENS.forEach((role, token) -> lines.append(role).append(' ').append(token).append('\n'));
        Optional<Tokens> tokens = Optional.of(Tokens.read(Files.writeString(dir.resolve("tokens"), lines)));
        h2 = MetastoreServer.start(Database.embedded(Files.createDirectories(dir.resolve("h2"))), tokens, "127.0.0.1", 0, 8 << 20);
        // Not @TempDir: PostgreSQL runs as another user, which needs to own the directory.
        pgDir = Files.createTempDirectory("metastore-contract-pg");
        postgres = PostgresServer.start(pgDir.resolve("cluster"));
        pg = MetastoreServer.start(Database.open(postgres.jdbcUrl(), "submarine", ""), tokens, "127.0.0.1", 0, 8 << 20);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {h2, pg, postgres}) {
            if (closeable != null) {
                closeable.close();
            }
        }
        Fixtures.deleteTree(pgDir);
    }

    @Test
    void schemathesisFindsNothingAsAnyRoleOnEitherDatabase() throws Exception {
        Path schemathesis = Fixtures.userTool("schemathesis");
        // schemathesis keeps one core busy and the service hardly any: two runs at a time halve the wait.
        ExecutorService runs = Executors.newFixedThreadPool(2);
        try {
            Map<String, Future<Run>> done = new TreeMap<>();
            for (String database : List.of("h2", "postgresql")) {
                for (String role : TOKENS.keySet()) {
                    MetastoreServer server = database.equals("h2") ? h2 : pg;
                    done.put(database + " as " + role, runs.submit(() -> schemathesis(schemathesis, server.port(), database, role)));
                }
            }
            SoftAssertions softly = new SoftAssertions();
            for (Map.Entry<String, Future<Run>> run : done.entrySet()) {
                Run result = run.getValue().get();
                softly.assertThat(result.exit()).as("schemathesis on %s found:%n%s", run.getKey(), result.output()).isZero();
                // Every operation but GET /openapi.yaml, which schemathesis leaves out as the document it reads.
                softly.assertThat(result.output()).as("%s tested every operation", run.getKey()).contains("Tested: " + (operations() - 1));
            }
            softly.assertAll();
        } finally {
            runs.shutdownNow();
        }
    }

    private record Run(int exit, String output) {}

    private static Run schemathesis(Path schemathesis, int port, String database, String role) throws Exception {
        String base = "http://127.0.0.1:" + port;
        Path config = Path.of(OpenApiContractTest.class.getResource("/schemathesis.toml").toURI());
        Path work = Files.createDirectories(dir.resolve("run-" + database + "-" + role));
        Path output = work.resolve("output.txt");
        Process run = new ProcessBuilder(List.of(schemathesis.toString(), "--config-file", config.toString(), "run", base + "/openapi.yaml",
                "--url", base, "-H", "Authorization: Bearer " + TOKENS.get(role), "--checks", "all", "--max-examples", "40", "--seed", "1",
                "--no-color")).directory(work.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!run.waitFor(RUN_LIMIT.toMinutes(), TimeUnit.MINUTES)) {
            run.destroyForcibly().waitFor();
        }
        return new Run(run.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /** How many operations the document names. */
    private static int operations() throws Exception {
        com.fasterxml.jackson.databind.JsonNode paths = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(OpenApiContractTest.class.getResourceAsStream("/openapi.yaml")).path("paths");
        int count = 0;
        for (com.fasterxml.jackson.databind.JsonNode path : paths) {
            for (String method : List.of("get", "put", "post", "delete", "patch", "head", "options", "trace")) {
                count += path.has(method) ? 1 : 0;
            }
        }
        return count;
    }
}
