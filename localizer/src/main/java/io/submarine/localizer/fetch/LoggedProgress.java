package io.submarine.localizer.fetch;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A git source's progress as JGit reports it (objects received, deltas resolved) and as the
 * checkout reports it (files written), logged every ten seconds and at the end of a task that
 * took longer, so that a long clone is not a silent init container. Tasks shorter than that log
 * nothing. Safe to update from several threads.
 */
final class LoggedProgress implements ProgressMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(LoggedProgress.class);

    private final String source;
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private String task;
    private int total;
    private long done;
    private long taskStart;
    private long lastLog;

    LoggedProgress(String source) {
        this(source, Duration.ofSeconds(10), System::nanoTime);
    }

    LoggedProgress(String source, Duration every, LongSupplier nanoTime) {
        this.source = source;
        this.everyNanos = every.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public void start(int totalTasks) {
        // Tasks are logged as they go.
    }

    @Override
    public synchronized void beginTask(String title, int totalWork) {
        task = title;
        total = totalWork;
        done = 0;
        taskStart = nanoTime.getAsLong();
        lastLog = taskStart;
    }

    @Override
    public synchronized void update(int completed) {
        done += completed;
        long now = nanoTime.getAsLong();
        if (task != null && now - lastLog >= everyNanos) {
            lastLog = now;
            log("so far", now);
        }
    }

    @Override
    public synchronized void endTask() {
        long now = nanoTime.getAsLong();
        if (task != null && now - taskStart >= everyNanos) {
            log("done", now);
        }
        task = null;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void showDuration(boolean enabled) {
        // Every line the monitor logs carries its time and rate.
    }

    private void log(String state, long now) {
        double seconds = Math.max(1e-9, (now - taskStart) / 1e9);
        String of = total > 0 ? " of " + total + " (" + done * 100 / total + "%)" : "";
        LOG.info("source '{}': {}: {}{} {} in {} s, {}/s", source, task, done, of, state, String.format("%.0f", seconds),
                String.format("%.0f", done / seconds));
    }
}
