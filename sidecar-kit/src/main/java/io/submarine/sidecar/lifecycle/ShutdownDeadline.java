package io.submarine.sidecar.lifecycle;

import io.submarine.sidecar.cli.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the work registered for shutdown (flush, upload, write the completion marker) when the
 * pod is stopped, and stops waiting at a deadline shorter than the pod's grace period, so the
 * program can still report what was left before Kubernetes kills it.
 */
public final class ShutdownDeadline {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDeadline.class);

    /** One piece of shutdown work, run in registration order. */
    public record Task(String name, ThrowingRunnable work) {}

    /** Work that may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** What happened to each task: finished, failed (with why), or cut off by the deadline. */
    public record Outcome(List<String> finished, List<String> failed, List<String> unfinished) {
        public boolean complete() {
            return failed.isEmpty() && unfinished.isEmpty();
        }

        /** OK when complete; work cut off by the deadline is {@link ExitCode#DEADLINE}, a failed task {@link ExitCode#INTERNAL}. */
        public ExitCode exitCode() {
            return !unfinished.isEmpty() ? ExitCode.DEADLINE : !failed.isEmpty() ? ExitCode.INTERNAL : ExitCode.OK;
        }
    }

    private final Duration deadline;
    private final Clock clock;
    private final List<Task> tasks = new CopyOnWriteArrayList<>();

    public ShutdownDeadline(Duration deadline, Clock clock) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("shutdown deadline must be positive, got " + deadline);
        }
        this.deadline = deadline;
        this.clock = clock;
    }

    public void register(String name, ThrowingRunnable work) {
        tasks.add(new Task(name, work));
    }

    /**
     * Runs {@link #runAll()} when the JVM is asked to stop (SIGTERM, SIGINT), then ends the
     * process with the outcome's exit code: 0 once everything is done, where the JVM would exit
     * 143 for the signal and Kubernetes would show a clean stop as an error. Install it once the
     * program only waits to be stopped: a {@code System.exit} after it ends with that code too.
     */
    public void installHook() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Outcome outcome = runAll();
            if (!outcome.complete()) {
                LOG.error("shutdown incomplete: failed {}, unfinished at the {} deadline {}", outcome.failed(), Durations.format(deadline), outcome.unfinished());
            }
            Runtime.getRuntime().halt(outcome.exitCode().code());
        }, "shutdown-deadline"));
    }

    /** Runs the tasks in order on one worker thread, abandoning the rest once the deadline passes. */
    public Outcome runAll() {
        Instant end = clock.instant().plus(deadline);
        List<String> finished = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> unfinished = new ArrayList<>();
        ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "shutdown-work");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (Task task : tasks) {
                long left = Duration.between(clock.instant(), end).toMillis();
                if (left <= 0) {
                    unfinished.add(task.name());
                    continue;
                }
                Future<?> running = worker.submit(() -> {
                    task.work().run();
                    return null;
                });
                try {
                    running.get(left, TimeUnit.MILLISECONDS);
                    finished.add(task.name());
                } catch (TimeoutException e) {
                    running.cancel(true);
                    unfinished.add(task.name());
                } catch (java.util.concurrent.ExecutionException e) {
                    failed.add(task.name() + ": " + e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    unfinished.add(task.name());
                }
            }
        } finally {
            worker.shutdownNow();
        }
        return new Outcome(finished, failed, unfinished);
    }
}
