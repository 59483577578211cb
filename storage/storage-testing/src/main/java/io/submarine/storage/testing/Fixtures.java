package io.submarine.storage.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** What fixtures share: free ports, finding and running executables, and the rule for a server that can't start. */
public final class Fixtures {
    private Fixtures() {}

    /**
     * A server this test needs is not available. A developer's {@code mvn verify} skips the
     * test with {@code reason}; CI runs Maven with {@code -Dfixtures.required=true} (.ci/run
     * installs every server), and there the test fails, so a missing server is never a silent pass.
     */
    public static void unavailable(String reason) {
        if (Boolean.getBoolean("storage.fixtures.required")) {
            Assertions.fail(reason + " (required here: -Dfixtures.required=true)");
        }
        Assumptions.abort(reason);
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** Runs a setup command (initdb, say) to its end; when it fails, the error carries its output. */
    public static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    /**
     * A tool our users run, from PyPI (schemathesis, the mlflow client's python): from the
     * virtualenv .ci/run makes and names in {@code SUBMARINE_TEST_VENV}, pinned in
     * .ci/requirements.txt; unavailable without it.
     */
    public static Path userTool(String name) {
        String venv = System.getenv("SUBMARINE_TEST_VENV");
        Path tool = venv == null ? null : Path.of(venv, "bin", name);
        if (tool == null || !Files.isExecutable(tool)) {
            unavailable(name + " not found: set SUBMARINE_TEST_VENV to a virtualenv with .ci/requirements.txt installed (.ci/run makes one)");
        }
        return tool;
    }

    /** Deletes {@code dir} and everything under it, if it is there: for directories a test made outside {@code @TempDir}. */
    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** The executable {@code name} from the directories on PATH, if any. */
    public static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
