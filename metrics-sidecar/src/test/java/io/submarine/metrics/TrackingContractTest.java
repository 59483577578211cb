package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.TestBackend;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-pod MLflow endpoint fuzzed by schemathesis (PyPI; every check, 40 examples an operation,
 * a fixed seed) against the metastore's own OpenAPI document cut to the calls the pod serves: no
 * 5xx, nothing the document allows refused, nothing it forbids taken, every answer in its shape.
 * The metastore (its own process) is behind it, for searches and forwarding.
 */
class TrackingContractTest {

    @TempDir
    Path dir;

    @Test
    void schemathesisFindsNothing() throws Exception {
        int port = Fixtures.freePort();
        try (TestBackend server = TestBackend.start("file", dir); ExternalServer metastore = MetastoreProcess.on(port, dir)) {
            metastore.start();
            Path metastoreDocument = dir.resolve("metastore-openapi.yaml");
            try (InputStream in = TrackingContractTest.class.getResourceAsStream("/openapi.yaml")) {
                Files.copy(in, metastoreDocument, StandardCopyOption.REPLACE_EXISTING);
            }
            Path document = dir.resolve("tracking-openapi.json");
            Path script = dir.resolve("tracking_openapi.py");
            try (InputStream in = TrackingContractTest.class.getResourceAsStream("/mlflow/tracking_openapi.py")) {
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
            Process cut = new ProcessBuilder(Fixtures.userTool("python").toString(), script.toString(), metastoreDocument.toString(), document.toString())
                    .redirectErrorStream(true).start();
            String operations = new String(cut.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(cut.waitFor()).as(operations).isZero();
            assertThat(operations).as("the paths of the pod's endpoint in the metastore's document: 15 MLflow calls, the logged models' 7 and the artifact API's 2").isEqualTo("24");

            List<String> args = SidecarProcess.args(server, dir.resolve("logdir"), dir.resolve("work"));

            args.addAll(MetastoreProcess.sidecarFlags(port, dir));
            try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                String endpoint = "http://127.0.0.1:" + sidecar.trackingPort();
                Path config = Path.of(TrackingContractTest.class.getResource("/schemathesis-tracking.toml").toURI());
                Path output = dir.resolve("schemathesis.txt");
                Process run = new ProcessBuilder(List.of(Fixtures.userTool("schemathesis").toString(), "--config-file", config.toString(), "run",
                        document.toString(), "--url", endpoint, "--checks", "all", "--max-examples", "40", "--seed", "1", "--no-color"))
                        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                if (!run.waitFor(10, TimeUnit.MINUTES)) {
                    run.destroyForcibly().waitFor();
                }
                String found = Files.readString(output, StandardCharsets.UTF_8);
                assertThat(run.exitValue()).as("schemathesis found:%n%s%nthe sidecar said:%n%s", found, sidecar.output()).isZero();
                assertThat(found).contains("Tested: 27");
                assertThat(sidecar.output()).as("nothing failed inside the endpoint").doesNotContain("\"level\":\"ERROR\"");
            }
        }
    }
}
