package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracking endpoint SIGKILLed over and over while MLflow's own client logs 10,000 points
 * through it, its retries on (a call cut off by a kill is sent again): after the last restart the
 * metastore (its own process) holds every point once, none missing and none doubled.
 */
class TrackingKillTest {

    private static final int POINTS = 10_000;
    private static final int KILLS = 20;

    /** Kept when the test fails: the journal, the logs and the script's output explain what went wrong. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void killedTwentyTimesEveryPointOnce() throws Exception {
        int port = Fixtures.freePort();
        int trackingPort = Fixtures.freePort();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (TestBackend server = TestBackend.start("file", dir); ExternalServer metastore = MetastoreProcess.on(port, dir)) {
            metastore.start();
            List<String> args = SidecarProcess.args(server, dir.resolve("logdir"), dir.resolve("work"));
            args.addAll(MetastoreProcess.sidecarFlags(port, dir));
            args.set(args.indexOf("--tracking-port") + 1, Integer.toString(trackingPort));
            Path progress = dir.resolve("progress");
            Process script;
            try (SidecarProcess first = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                first.trackingPort();
                // The client's own retries, quicker than its defaults: a restart of the sidecar takes a second or two.
                script = MlflowScript.start("log_points.py", "http://127.0.0.1:" + trackingPort, Map.of("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "10",
                        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1", "MLFLOW_HTTP_REQUEST_TIMEOUT", "20"), dir, progress.toString(), Integer.toString(POINTS));
                Process logging = script;
                SidecarProcess.await("the script made its run", () -> {
                    if (!logging.isAlive()) {
                        throw new AssertionError("log_points.py exited with " + logging.exitValue() + ":\n" + Files.readString(dir.resolve("log_points.py.log")));
                    }
                    return Files.exists(progress) && !Files.readString(progress).isBlank();
                });
                first.kill();
            }
            int killsWhileLogging = 1;
            for (int kill = 1; kill < KILLS; kill++) {
                try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                    sidecar.trackingPort();
                    Thread.sleep(300 + random.nextInt(1500));
                    killsWhileLogging += script.isAlive() ? 1 : 0;
                    sidecar.kill();
                }
            }
            try (SidecarProcess last = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                int health = last.ready();
                assertThat(script.waitFor(5, TimeUnit.MINUTES)).as("the script finishes").isTrue();
                assertThat(script.exitValue()).as("the script's exit code; its output:%n%s", Files.readString(dir.resolve("log_points.py.log"))).isZero();
                SidecarProcess.await("the journal is in the metastore", () -> SidecarProcess.metric(health, "metrics_sidecar_tracking_backlog_bytes") == 0);
                SidecarProcess.await("the journal is in storage", () -> SidecarProcess.metric(health, "metrics_sidecar_tracking_unshipped_bytes") == 0);
                assertThat(last.terminate()).isZero();
            }
            assertThat(killsWhileLogging).as("kills while the script logged (seed %d)", seed).isGreaterThanOrEqualTo(10);
            List<String> lines = Files.readAllLines(progress, StandardCharsets.UTF_8);
            assertThat(lines).last().isEqualTo("done");
            String runId = lines.get(0);
            assertThat(steps(port, runId, "loss")).as("loss, logged a call per point (seed %d)", seed)
                    .containsExactlyElementsOf(LongStream.range(0, POINTS / 2).boxed().toList());
            assertThat(steps(port, runId, "acc")).as("acc, logged in batches of 100 (seed %d)", seed)
                    .containsExactlyElementsOf(LongStream.range(0, POINTS / 2).boxed().toList());
            JsonNode run = MetastoreProcess.get(port, "/api/2.0/mlflow/runs/get?run_id=" + runId).path("run");
            assertThat(run.path("info").path("status").asText()).isEqualTo("FINISHED");
            // The journal in storage, shipped across the same kills: every call once (no piece twice), every point there.
            List<JsonNode> shipped = ShippedJournal.lines(dir.resolve("remote"), runId);
            assertThat(shipped.stream().map(line -> line.path("seq").asLong()).toList()).as("seq of the shipped calls (seed %d)", seed).doesNotHaveDuplicates();
            assertThat(ShippedJournal.steps(shipped, "loss")).as("loss in storage (seed %d)", seed)
                    .containsExactlyElementsOf(LongStream.range(0, POINTS / 2).boxed().toList());
            assertThat(ShippedJournal.steps(shipped, "acc")).as("acc in storage (seed %d)", seed)
                    .containsExactlyElementsOf(LongStream.range(0, POINTS / 2).boxed().toList());
        }
    }

    /** The steps of the run's points of {@code key} in the metastore, in order. */
    private static List<Long> steps(int port, String runId, String key) throws Exception {
        List<Long> steps = new ArrayList<>();
        for (JsonNode point : MetastoreProcess.get(port, "/api/2.0/mlflow/metrics/get-history?run_id=" + runId + "&metric_key=" + key).path("metrics")) {
            steps.add(point.path("step").asLong());
        }
        return steps;
    }
}
