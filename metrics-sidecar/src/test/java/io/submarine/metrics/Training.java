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
import java.util.concurrent.TimeUnit;

/**
 * A training script writing event files with our users' own writers (tensorboardX and
 * TensorBoard's summary writer from PyPI, see {@code writers/train.py}), as a process beside the sidecar.
 */
final class Training implements AutoCloseable {

    /** The tags of train.py, by run, and how many points each gets for {@code steps} steps. */
    static final List<String> SERIES = List.of("train/loss", "train/lr/group0", "tensorboard-writer/throughput");

    private final Process process;
    private final Path log;
    private final Path hold;

    private Training(Process process, Path log, Path hold) {
        this.process = process;
        this.log = log;
        this.hold = hold;
    }

    /** Writes {@code steps} steps into {@code logdir}, pausing {@code pause} seconds after each. */
    static Training start(Path logdir, int steps, double pause, Path work) throws IOException {
        return start(logdir, steps, pause, work, null);
    }

    /** As {@link #start}, but the script stops halfway, all it wrote flushed, until {@link #release()}. */
    static Training startHeldHalfway(Path logdir, int steps, double pause, Path work) throws IOException {
        return start(logdir, steps, pause, work, work.resolve("train.release"));
    }

    private static Training start(Path logdir, int steps, double pause, Path work, Path hold) throws IOException {
        Path python = Fixtures.userTool("python");
        Path script = work.resolve("train.py");
        try (InputStream in = Training.class.getResourceAsStream("/writers/train.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Path log = work.resolve("train.log");
        List<String> command = new ArrayList<>(List.of(python.toString(), script.toString(), logdir.toString(), Integer.toString(steps), Double.toString(pause)));
        if (hold != null) {
            Files.deleteIfExists(hold);
            command.add(hold.toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new Training(process, log, hold);
    }

    /** Lets a script started held go on to its last step. */
    void release() throws IOException {
        Files.createFile(hold);
    }

    boolean running() {
        return process.isAlive();
    }

    /** Waits for the script to write its last step. */
    void finish() throws IOException, InterruptedException {
        if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("train.py failed:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
