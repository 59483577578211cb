package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobStores;
import io.submarine.storage.StorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * stdout and stderr of the pod's containers from the Kubernetes API. No API server runs here, so
 * {@link FakeKubeApi} serves {@code pods/log} as the API server does (TLS from a CA file, bearer
 * token, chunked follow, timestamps, sinceTime, previous).
 */
class ContainerLogsTest {

    private static final String TOKEN = "sa-token-7f7f7f";

    /** Kept when a test fails: the shipper's log explains it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private ShipperProcess start(Scenario scenario, FakeKubeApi api, Path token, String... extra) throws Exception {
        String[] flags = {"--files", null, "--containers", "main", "--kube-api-url", api.url(),
            "--kube-token-file", token.toString(), "--kube-ca-file", api.caFile().toString()};
        String[] all = new String[flags.length + extra.length];
        System.arraycopy(flags, 0, all, 0, flags.length);
        System.arraycopy(extra, 0, all, flags.length, extra.length);
        return scenario.start(all);
    }

    private static void lines(FakeKubeApi api, Random random, String prefix, int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            api.log("main", prefix + " step=" + i + " " + "x".repeat(random.nextInt(300)) + (i % 50 == 7 ? " \u00e9t\u00e9" : ""));
            if (i % 20 == 0) {
                Thread.sleep(5);
            }
        }
    }

    @Test
    void reconnectsWithSinceTimeReadsThePreviousRunAfterARestartAndStopsWhenTheContainerHasExited() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TOKEN);
        Random random = new Random(1);
        try (FakeKubeApi api = new FakeKubeApi(dir, "team-a", "train-7", TOKEN); BlobStores store = BlobStores.load(StorageConfig.empty())) {
            api.start("main");
            Scenario scenario = new Scenario(dir, dir.resolve("remote").toUri().toString(), Map.of(), store);
            try (ShipperProcess shipper = start(scenario, api, token, "--exit-when-done", "")) {
                shipper.healthPort(Duration.ofSeconds(60));
                lines(api, random, "first run", 300);
                shipper.awaitOutput("committed", Duration.ofSeconds(30));
                api.dropConnections();
                lines(api, random, "first run, while disconnected", 200);
                api.restart("main");
                lines(api, random, "second run", 300);
                shipper.awaitOutput("following run 1", Duration.ofSeconds(30));
                lines(api, random, "second run, later", 100);
                api.terminate("main");
                assertThat(shipper.waitFor(Duration.ofSeconds(60))).as("exit code; output:%n%s", shipper.output()).isZero();
                assertThat(shipper.output()).doesNotContain(TOKEN);
            }
            RemoteLog first = RemoteLog.read(store, scenario.stream("main", 0));
            Scenario.assertSameBytes("run 0 of container main", first.content(), api.written("main", 0));
            assertThat(first.complete()).isPresent();
            RemoteLog second = RemoteLog.read(store, scenario.stream("main", 1));
            Scenario.assertSameBytes("run 1 of container main", second.content(), api.written("main", 1));
            assertThat(second.complete().orElseThrow()).contains("\"lines\":400");
        }
    }

    @Test
    void aShipperRestartedMidRunResumesAfterTheLastShippedLine() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TOKEN);
        Random random = new Random(2);
        try (FakeKubeApi api = new FakeKubeApi(dir, "team-a", "train-7", TOKEN); BlobStores store = BlobStores.load(StorageConfig.empty())) {
            api.start("main");
            Scenario scenario = new Scenario(dir, dir.resolve("remote").toUri().toString(), Map.of(), store);
            lines(api, random, "before", 200);
            try (ShipperProcess first = start(scenario, api, token)) {
                first.healthPort(Duration.ofSeconds(60));
                first.awaitOutput("committed", Duration.ofSeconds(30));
                first.kill();
            }
            lines(api, random, "between", 200);
            try (ShipperProcess second = start(scenario, api, token)) {
                second.healthPort(Duration.ofSeconds(60));
                lines(api, random, "after", 200);
                api.terminate("main");
                Thread.sleep(1500);
                assertThat(second.terminate(Duration.ofSeconds(60))).isZero();
            }
            RemoteLog remote = RemoteLog.read(store, scenario.stream("main"));
            Scenario.assertSameBytes("container main after a SIGKILL of the shipper", remote.content(), api.written("main", 0));
        }
    }

    @Test
    void aRefusedServiceAccountIsAnAuthenticationError() throws Exception {
        Path wrong = Files.writeString(dir.resolve("token"), "not-the-token");
        try (FakeKubeApi api = new FakeKubeApi(dir, "team-a", "train-7", TOKEN); BlobStores store = BlobStores.load(StorageConfig.empty())) {
            api.start("main");
            Scenario scenario = new Scenario(dir, dir.resolve("remote").toUri().toString(), Map.of(), store);
            try (ShipperProcess shipper = start(scenario, api, wrong)) {
                assertThat(shipper.waitFor(Duration.ofSeconds(60))).as("exit code; output:%n%s", shipper.output()).isEqualTo(ExitCode.AUTH.code());
                assertThat(Files.readString(scenario.termination)).contains("401", "service account").doesNotContain("not-the-token");
            }
        }
    }
}
