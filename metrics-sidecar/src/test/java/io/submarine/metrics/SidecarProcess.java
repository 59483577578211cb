package io.submarine.metrics;

import io.submarine.storage.Location;
import io.submarine.storage.testing.TestBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real metrics-sidecar program in its own JVM, so tests can SIGTERM and SIGKILL it as Kubernetes does. */
final class SidecarProcess implements AutoCloseable {

    static final Map<String, String> POD = Map.of("POD_NAMESPACE", "team-a", "POD_NAME", "train-7", "POD_UID", "6f1c2d3e-0000-4000-8000-000000000007",
            "SUBMARINE_OWNER_KIND", "experiment", "SUBMARINE_OWNER_NAME", "mnist");
    /** Where the pod's event files go under the storage root. */
    static final String REMOTE_LOGDIR = "team-a/experiment/mnist/train-7/6f1c2d3e-0000-4000-8000-000000000007/tfevents";

    private final Process process;
    private final Path log;
    private final long logStart;

    private SidecarProcess(Process process, Path log, long logStart) {
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    /** The flags for shipping {@code logdir} to {@code backend}, with the work directory in {@code work}, and {@code more}. */
    static List<String> args(TestBackend backend, Path logdir, Path work, String... more) {
        List<String> args = new ArrayList<>(List.of("--storage-uri", backend.storageUri(), "--logdir", logdir.toString(), "--work-dir", work.toString(),
                "--health-port", "0", "--tracking-port", "0", "--poll-interval", "200ms"));
        backend.settings().forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        args.addAll(List.of(more));
        return args;
    }

    /** The remote logdir of the test pod on {@code backend}. */
    static Location remoteLogdir(TestBackend backend) {
        return Location.of(backend.storageUri()).asDirectory().resolve(REMOTE_LOGDIR);
    }

    /**
     * Starts the sidecar with {@code args}, its output appended to {@code log}, with the JVM flags
     * the README gives: 64 MiB of heap to file:// and HDFS, 128 MiB to the clouds, whose SDKs
     * buffer uploads in the heap.
     */
    static SidecarProcess start(Path log, Map<String, String> environment, List<String> args) throws IOException {
        int uri = args.indexOf("--storage-uri");
        boolean cloud = !(args.get(uri + 1).startsWith("file:") || args.get(uri + 1).startsWith("hdfs:"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                cloud ? "-Xmx128m" : "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                MetricsSidecar.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(POD);
        builder.environment().putAll(environment);
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        return new SidecarProcess(builder.start(), log, logStart);
    }

    /** The port of /metrics, once the program has logged it. */
    int healthPort() throws Exception {
        return loggedPort("the sidecar serves /metrics", Pattern.compile("/metrics on port (\\d+)"));
    }

    /** The port of the MLflow tracking endpoint, once the program has logged it. */
    int trackingPort() throws Exception {
        return loggedPort("the sidecar serves MLflow tracking", Pattern.compile("MLflow tracking on http://127\\.0\\.0\\.1:(\\d+)"));
    }

    /** The port {@code serving}'s group 1 finds in the output, once there; fails at once if the sidecar exits first. */
    private int loggedPort(String what, Pattern serving) throws Exception {
        await(what, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("metrics-sidecar exited with " + process.exitValue() + ":\n" + output());
            }
            return serving.matcher(output()).find();
        });
        Matcher matcher = serving.matcher(output());
        matcher.find();
        return Integer.parseInt(matcher.group(1));
    }

    /** Waits until the sidecar knows where shipping stands and ships; returns the port of /metrics. */
    int ready() throws Exception {
        int port = healthPort();
        await("the sidecar ships", () -> output().contains("shipping the event files under"));
        return port;
    }

    /** The body of /metrics. */
    static String metrics(int port) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of an unlabelled metric on /metrics, NaN if it is not there. */
    static double metric(int port, String name) throws IOException, InterruptedException {
        Matcher matcher = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(metrics(port));
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    /** Waits up to two minutes until {@code condition} holds. */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM, as the kubelet sends at pod shutdown; returns the exit code. */
    int terminate() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("metrics-sidecar ignored SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL: no hook, no flush, as an OOM kill or node loss. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** What this run has logged. */
    String output() throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) logStart, all.length - (int) logStart, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        // Not kill(): a close that threw InterruptedException would make every try-with-resources handle it.
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
