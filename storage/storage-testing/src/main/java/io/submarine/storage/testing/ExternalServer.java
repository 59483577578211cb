package io.submarine.storage.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A real server run as a separate process on 127.0.0.1 (s3proxy, Azurite): started, awaited
 * until its port answers, killed like a crash, restarted on the same port. Its output goes to
 * a log file, named in every failure so the cause is one click away.
 */
public final class ExternalServer implements ServerControl, AutoCloseable {
    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final int port;
    private final Path log;
    private final Duration startTimeout;
    private Process process;

    public ExternalServer(String name, List<String> command, Map<String, String> environment, int port, Path log, Duration startTimeout) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.port = port;
        this.log = log;
        this.startTimeout = startTimeout;
    }

    public int port() {
        return port;
    }

    @Override
    public synchronized void start() throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        Instant deadline = Instant.now().plus(startTimeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " at start; see " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        kill();
        throw new IOException(name + " did not listen on port " + port + " within " + startTimeout + "; see " + log);
    }

    @Override
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            process = null;
        }
    }

    @Override
    public void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
