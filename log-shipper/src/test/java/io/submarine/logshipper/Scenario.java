package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One pod's worth of shipping: where logs are written, where the shipper keeps its state, and where it ships to. */
final class Scenario {

    final Path logs;
    final Path work;
    final Path termination;
    final String storageUri;
    final Map<String, String> settings;
    final BlobStore store;

    Scenario(Path dir, String storageUri, Map<String, String> settings, BlobStore store) throws IOException {
        this.logs = Files.createDirectories(dir.resolve("logs"));
        this.work = Files.createDirectories(dir.resolve("work"));
        this.termination = dir.resolve("termination-log");
        this.storageUri = storageUri;
        this.settings = settings;
        this.store = store;
    }

    /**
     * Starts the shipper with test defaults; {@code overrides} are flag-value pairs that replace or
     * add to them: a null value drops the flag, an empty one gives it without a value (a switch).
     */
    ShipperProcess start(String... overrides) throws IOException {
        return startWith(Map.of(), overrides);
    }

    /** As {@link #start}, with more environment: JVM options through {@code JAVA_TOOL_OPTIONS}, say. */
    ShipperProcess startWith(Map<String, String> environment, String... overrides) throws IOException {
        Map<String, String> all = new java.util.HashMap<>(environment());
        all.putAll(environment);
        return ShipperProcess.start(work.getParent().resolve("shipper.log"), all, args(overrides));
    }

    /**
     * Starts the shipper so that file modes bind it, as they bind a sidecar that runs as another
     * user than the app: run as root, it goes without the capabilities that override them.
     */
    ShipperProcess startBoundByFileModes(String... overrides) throws IOException {
        List<String> launcher = "root".equals(System.getProperty("user.name"))
                ? List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")
                : List.of();
        return ShipperProcess.start(work.getParent().resolve("shipper.log"), environment(), args(overrides), launcher);
    }

    private Map<String, String> environment() {
        return Map.of("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString());
    }

    private List<String> args(String... overrides) {
        Map<String, String> flags = new java.util.LinkedHashMap<>();
        flags.put("--storage-uri", storageUri);
        flags.put("--files", "main=" + logs + "/*.log");
        flags.put("--work-dir", work.toString());
        flags.put("--health-address", "127.0.0.1");
        flags.put("--health-port", "0");
        flags.put("--segment-age", "PT0.5S");
        flags.put("--rotate-wait", "PT0.2S");
        flags.put("--poll-interval", "PT0.05S");
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            flags.put(overrides[i], overrides[i + 1]);
        }
        List<String> args = new ArrayList<>();
        flags.forEach((flag, value) -> {
            if (value != null) {
                args.add(flag);
            }
            if (value != null && !value.isEmpty()) {
                args.add(value);
            }
        });
        settings.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        return args;
    }

    /** The shipper's warnings and errors over all its runs, to explain a failure. */
    String warnings() throws IOException {
        Path log = work.getParent().resolve("shipper.log");
        if (!Files.exists(log)) {
            return "";
        }
        return String.join("\n", Files.readAllLines(log).stream().filter(line -> line.contains("\"WARN\"") || line.contains("\"ERROR\"") || line.contains("resuming")).toList());
    }

    Location stream(String name) {
        return stream(name, 0);
    }

    Location stream(String name, int restart) {
        return Location.of(storageUri).asDirectory().resolve(ShipperProcess.POD_PREFIX + "/logs/" + name + "/" + restart + "/");
    }

    RemoteLog remote(String name) throws IOException {
        return RemoteLog.read(store, stream(name));
    }

    /** Writes with rotations of both kinds, a line over 1 MiB and a last line without newline, while the shipper runs; stops it with SIGTERM. */
    LogWriter writeRotateAndStop(ShipperProcess shipper, int lines) throws Exception {
        shipper.healthPort(Duration.ofSeconds(60));
        try (LogWriter writer = new LogWriter(logs.resolve("app.log"), 7)) {
            shipper.awaitOutput("following " + logs.resolve("app.log"), Duration.ofSeconds(30));
            writer.lines(lines / 2, lines / 10, 200);
            byte[] longLine = new byte[(1 << 20) + 4096];
            java.util.Arrays.fill(longLine, (byte) 'x');
            longLine[longLine.length - 1] = '\n';
            writer.write(longLine);
            writer.lines(lines / 2, lines / 10, 200);
            writer.write("the last words, without a newline".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Thread.sleep(300);
            assertThat(shipper.terminate(Duration.ofSeconds(60))).as("exit code; output:\n%s", shipper.output()).isZero();
            return writer;
        }
    }

    /** Equal bytes; on a difference, says where, with the text around it, instead of printing megabytes. */
    static void assertSameBytes(String what, byte[] actual, byte[] expected) {
        int mismatch = java.util.Arrays.mismatch(actual, expected);
        if (mismatch >= 0) {
            int from = Math.max(0, mismatch - 80);
            throw new AssertionError(String.format("%s: %d bytes, expected %d; first difference at byte %d:%n  got:      %s%n  expected: %s", what,
                    actual.length, expected.length, mismatch, excerpt(actual, from), excerpt(expected, from)));
        }
    }

    private static String excerpt(byte[] bytes, int from) {
        int to = Math.min(bytes.length, from + 200);
        return from >= bytes.length ? "<end>" : new String(bytes, from, to - from, java.nio.charset.StandardCharsets.UTF_8).replace("\n", "\\n");
    }

    void assertShippedExactly(LogWriter writer) throws IOException {
        RemoteLog remote = remote("main");
        assertSameBytes("the remote, decompressed and ordered by key", remote.content(), writer.written());
        assertSameBytes("app.log's runs in the indexes", remote.bySource().get(logs.resolve("app.log").toString()).toByteArray(), writer.written());
        assertThat(remote.lines()).isEqualTo(writer.linesWritten() + 1);
        assertThat(remote.complete()).as("_COMPLETE").isPresent();
        assertThat(remote.complete().get()).contains("\"lines\":" + (writer.linesWritten() + 1), "\"bytes\":" + writer.written().length);
    }

    /**
     * Writes "one", then rotates it away and, while the shipper (started with a long rotate wait)
     * waits it out, brings "two" to the path, where the shipper sees it, and rotates "two" away and
     * deletes it before its turn; then "three". Returns once the shipper has counted the 4 bytes lost.
     */
    void loseAFileSeenAtThePath(int healthPort) throws Exception {
        Path log = logs.resolve("app.log");
        Files.writeString(log, "one\n");
        ShipperProcess.await("the first line read", () -> ShipperProcess.metric(healthPort, "logshipper_read_lines_total") == 1);
        Files.move(log, logs.resolve("app.log.1"));
        Files.writeString(log, "two\n");
        Thread.sleep(500);
        Files.move(log, logs.resolve("app.log.2"));
        Files.delete(logs.resolve("app.log.2"));
        Files.writeString(log, "three\n");
        ShipperProcess.await("the loss counted", () -> ShipperProcess.metric(healthPort, "logshipper_lost_bytes_total") == 4);
    }
}
