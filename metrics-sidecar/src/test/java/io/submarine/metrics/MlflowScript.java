package io.submarine.metrics;

import io.submarine.storage.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Python script of {@code src/test/resources/mlflow/} run with MLflow's own client from PyPI, in the test virtualenv. */
final class MlflowScript {

    private MlflowScript() {}

    /** Starts {@code script} against {@code trackingUri}; its output goes to {@code <dir>/<script>.log}. */
    static Process start(String script, String trackingUri, Map<String, String> environment, Path dir, String... args) throws IOException {
        Path copy = dir.resolve(script);
        try (InputStream in = MlflowScript.class.getResourceAsStream("/mlflow/" + script)) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new ArrayList<>(List.of(Fixtures.userTool("python").toString(), copy.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(script + ".log").toFile()));
        builder.environment().put("MLFLOW_TRACKING_URI", trackingUri);
        // Runs end when the script does; no git lookups or telemetry slow it down.
        builder.environment().put("GIT_PYTHON_REFRESH", "quiet");
        builder.environment().put("MLFLOW_DISABLE_TELEMETRY", "true");
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Runs {@code script} to its end; returns what it printed last (its answer); fails with its output if it fails. */
    static String run(String script, String trackingUri, Map<String, String> environment, Path dir, String... args) throws Exception {
        Path log = dir.resolve(script + ".log");
        long before = Files.exists(log) ? Files.size(log) : 0;
        Process process = start(script, trackingUri, environment, dir, args);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(script + " did not finish:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8).substring((int) before);
        if (process.exitValue() != 0) {
            throw new AssertionError(script + " failed with " + process.exitValue() + ":\n" + output);
        }
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
