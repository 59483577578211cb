package io.submarine.logshipper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/** The real log-shipper program in its own JVM, so tests can SIGTERM and SIGKILL it as Kubernetes does. */
final class ShipperProcess implements AutoCloseable {

    static final Map<String, String> POD = Map.of("POD_NAMESPACE", "team-a", "POD_NAME", "train-7", "POD_UID", "6f1c2d3e-0000-4000-8000-000000000007",
            "SUBMARINE_OWNER_KIND", "experiment", "SUBMARINE_OWNER_NAME", "mnist");
    /** Where the pod's streams go under the storage root. */
    static final String POD_PREFIX = "team-a/experiment/mnist/train-7/6f1c2d3e-0000-4000-8000-000000000007";

    private final Process process;
    private final Path log;
    /** Where this run's output starts in the log, which every run of a test appends to. */
    private final long logStart;

    private ShipperProcess(Process process, Path log, long logStart) {
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    static ShipperProcess start(Path log, Map<String, String> environment, List<String> args) throws IOException {
        return start(log, environment, args, List.of());
    }

    /** With {@code launcher} before the JVM's command line: a program that runs it with fewer privileges, say. */
    static ShipperProcess start(Path log, Map<String, String> environment, List<String> args, List<String> launcher) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The JVM flags the README gives for the image, by backend, so every test also proves they are enough.
        command.addAll(jvmFlagsFor(args));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LogShipper.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(POD);
        builder.environment().putAll(environment);
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        return new ShipperProcess(builder.start(), log, logStart);
    }

    /**
     * Serial GC and C1 only on every backend; 40 MiB of heap to file:// and HDFS, 128 MiB to S3,
     * GCS and Azure, as their SDKs buffer uploads in the heap (40 ran out).
     */
    private static List<String> jvmFlagsFor(List<String> args) {
        int uri = args.indexOf("--storage-uri");
        String storage = uri >= 0 && uri + 1 < args.size() ? args.get(uri + 1) : "";
        String heap = storage.startsWith("file:") || storage.startsWith("hdfs:") ? "-Xmx40m" : "-Xmx128m";
        return List.of(heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    }

    /** The port of /metrics, once the program has logged it. */
    int healthPort(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Pattern serving = Pattern.compile("/metrics on port (\\d+)");
        while (System.nanoTime() < end) {
            Matcher matcher = serving.matcher(output());
            int port = -1;
            while (matcher.find()) {
                port = Integer.parseInt(matcher.group(1));
            }
            if (port > 0) {
                return port;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("log-shipper exited with " + process.exitValue() + ":\n" + output());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("log-shipper did not start:\n" + output());
    }

    /** The value of an unlabelled metric on /metrics, NaN if it is not there. */
    static double metric(int port, String name) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher matcher = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    /** Waits up to a minute until {@code condition} holds. */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Whether the program logs {@code text} within {@code timeout}. */
    boolean logs(String text, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!output().contains(text)) {
            if (System.nanoTime() > end || !process.isAlive()) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Waits until the program has logged {@code text}. */
    void awaitOutput(String text, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!output().contains(text)) {
            if (System.nanoTime() > end || !process.isAlive()) {
                throw new IllegalStateException("log-shipper did not log '" + text + "':\n" + output());
            }
            Thread.sleep(20);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM, as the kubelet sends at pod shutdown; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("log-shipper ignored SIGTERM for " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL: no hook, no flush, as an OOM kill or node loss. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("log-shipper still runs after " + timeout);
        }
        return process.exitValue();
    }

    /** What this run has logged. */
    String output() throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) logStart, all.length - (int) logStart, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
