package io.submarine.metastore;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The metastore program in a process of its own, on the test's class path, its output in a file. */
final class MetastoreProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final Process process;
    final String base;
    final Path log;

    private MetastoreProcess(Process process, int port, Path log) {
        this.process = process;
        this.base = "http://127.0.0.1:" + port;
        this.log = log;
    }

    static MetastoreProcess start(int port, Path log, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Metastore.class.getName(), "--port", Integer.toString(port)));
        command.addAll(List.of(flags));
        return new MetastoreProcess(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start(), port, log);
    }

    /** Waits for {@code /readyz} to answer 200. */
    MetastoreProcess awaitReady() throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end && process.isAlive()) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (java.io.IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the metastore did not become ready; its output:\n" + output());
    }

    String output() throws java.io.IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        // Not throwing InterruptedException: every try-with-resources around a process would have to handle it.
        try {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
