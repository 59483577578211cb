package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.TestBackend;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at any moment, over and over, while the task writes, with the metastore (its own
 * process) away for the first kills and taking reports after: storage holds every event file
 * once, byte for byte, and the metastore every scalar once.
 */
class ExactlyOnceTest {

    private static final int STEPS = 1500;
    private static final int KILLS = 22;

    @TempDir
    Path dir;

    @Test
    void aSigkillLoopLosesAndDoublesNothing() throws Exception {
        int port = Fixtures.freePort();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (TestBackend server = TestBackend.start("file", dir); BlobStores store = BlobStores.load(StorageConfig.of(server.settings()));
                ExternalServer metastore = MetastoreProcess.on(port, dir)) {
            Path logdir = dir.resolve("logdir");
            List<String> args = SidecarProcess.args(server, logdir, dir.resolve("work"), "--flush-interval", "300ms", "--piece-bytes", "4096");
            args.addAll(MetastoreProcess.sidecarFlags(port, dir));
            try (Training training = Training.start(logdir, STEPS, 0.02, dir)) {
                for (int kill = 0; kill < KILLS; kill++) {
                    if (kill == 6) {
                        // Until now reports waited in the client's spool on the work directory.
                        metastore.start();
                    }
                    try (SidecarProcess sidecar = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                        sidecar.ready();
                        Thread.sleep(200 + random.nextInt(1300));
                        sidecar.kill();
                    }
                }
                try (SidecarProcess last = SidecarProcess.start(dir.resolve("sidecar.log"), Map.of(), args)) {
                    last.ready();
                    training.finish();
                    assertThat(last.terminate()).as("exit code after %d kills (seed %d)", KILLS, seed).isZero();
                    assertThat(last.output()).doesNotContain(MetastoreProcess.REPORTER_TOKEN);
                }
            }
            Location remote = SidecarProcess.remoteLogdir(server);
            RemoteLogdirCheck.assertSameAsLocal(store, remote, logdir);
            for (String key : List.of("train/loss", "train/lr/group0", "tensorboard-writer/throughput")) {
                assertThat(steps(port, key)).as("the steps of %s in the metastore (seed %d)", key, seed).containsExactlyElementsOf(
                        LongStream.range(0, STEPS).boxed().toList());
            }
            assertThat(steps(port, "nested/eval/accuracy")).containsExactlyElementsOf(LongStream.range(0, STEPS / 10).map(i -> i * 10).boxed().toList());
            List<String> reported = new ArrayList<>();
            for (JsonNode item : get(port, "/api/v1/reports/event-file-segments?namespace=team-a&pod=train-7&limit=1000").path("items")) {
                reported.add(item.path("payload").path("uri").asText());
            }
            List<String> pieces = RemoteLogdirCheck.objects(store, remote).keySet().stream().filter(name -> !name.equals("_COMPLETE"))
                    .map(name -> remote.asDirectory().resolve(name).uri()).toList();
            assertThat(reported).as("each piece reported once").containsExactlyInAnyOrderElementsOf(pieces);
        }
    }

    /** The steps of {@code key}'s points in the metastore, in order, all of them. */
    private static List<Long> steps(int port, String key) throws Exception {
        List<Long> steps = new ArrayList<>();
        for (JsonNode point : get(port, "/api/v1/metrics/history?ownerKind=experiment&ownerName=mnist&maxPoints=100000&key="
                + URLEncoder.encode(key, StandardCharsets.UTF_8)).path("points")) {
            steps.add(point.path("step").asLong());
        }
        return steps;
    }

    private static JsonNode get(int port, String path) throws Exception {
        return MetastoreProcess.get(port, path);
    }
}
