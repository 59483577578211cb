package io.submarine.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The real TensorBoard from PyPI, on 127.0.0.1, read through its HTTP API as its own web page
 * reads it. Its Python reader (--load_fast=false) is the one that reads S3, so both logdirs are
 * read alike; every point is kept (no sampling; 0 would keep none in this version), and it looks
 * again every second.
 */
final class TensorBoard implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExternalServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    private TensorBoard(ExternalServer server) {
        this.server = server;
    }

    /** TensorBoard on {@code logdir} (a path, or s3://bucket/key with {@code environment} naming the endpoint and keys). */
    static TensorBoard start(String logdir, Map<String, String> environment, Path log) throws Exception {
        return start(logdir, environment, log, false);
    }

    /**
     * With {@code fast}, TensorBoard's default reader where it can run (local and GCS logdirs): the
     * Rust data server, which reads a run's event files on its own schedule and samples scalars.
     */
    static TensorBoard start(String logdir, Map<String, String> environment, Path log, boolean fast) throws Exception {
        int port = Fixtures.freePort();
        List<String> command = new java.util.ArrayList<>(List.of(Fixtures.userTool("tensorboard").toString(), "--logdir", logdir,
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--load_fast=" + fast, "--reload_interval=1",
                "--samples_per_plugin=scalars=100000"));
        if (logdir.startsWith("s3://")) {
            // s3proxy (the test's S3) lists an object being written as <key>-<uuid> until it is whole; TensorBoard's
            // reader, which moves on to the newest-named file of a run and never back, can pass a piece listed after
            // such a name. Real S3 lists no half-written object. Reading every file of a run again each reload keeps
            // the test to what the sidecar stored (the CI of 8880815 timed out with points missing on S3 only).
            command.add("--reload_multifile=true");
        }
        ExternalServer server = new ExternalServer("tensorboard", command, environment, port, log, Duration.ofSeconds(90));
        server.start();
        return new TensorBoard(server);
    }

    /** Each run's scalar tags and their points ([wall time, step, value]), as TensorBoard serves them now. */
    Map<String, Map<String, JsonNode>> scalars() throws IOException, InterruptedException {
        Map<String, Map<String, JsonNode>> runs = new TreeMap<>();
        JsonNode tags = get("/data/plugin/scalars/tags");
        for (Map.Entry<String, JsonNode> entry : tags.properties()) {
            Map<String, JsonNode> series = new TreeMap<>();
            for (Iterator<String> tag = entry.getValue().fieldNames(); tag.hasNext(); ) {
                String name = tag.next();
                series.put(name, get("/data/plugin/scalars/scalars?run=" + encode(entry.getKey()) + "&tag=" + encode(name)));
            }
            runs.put(entry.getKey(), series);
        }
        return runs;
    }

    /** The runs TensorBoard found, with any plugin's data. */
    JsonNode runs() throws IOException, InterruptedException {
        return get("/data/runs");
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("TensorBoard answered " + response.statusCode() + " to " + path + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.close();
    }
}
