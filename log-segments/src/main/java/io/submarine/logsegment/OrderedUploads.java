package io.submarine.logsegment;

import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Uploads items one at a time, in the order they were added, each retried with backoff for as
 * long as this runs: storage may be down for a while, and then the items just wait. What both
 * shippers upload with: the log shipper its sealed segments, the metrics sidecar its pieces of
 * event files.
 *
 * @param <T> what is uploaded
 */
public final class OrderedUploads<T> implements AutoCloseable {

    /** Uploads one item; an exception means "try again after the backoff". */
    @FunctionalInterface
    public interface Upload<T> {
        void upload(T item) throws IOException;
    }

    /** Told of every failed attempt (to log and count it), and of every item done. */
    public interface Listener<T> {
        void failed(T item, int attempt, Exception error, Duration retryIn);

        /** Called on the uploading thread, holding no lock of this class. */
        default void done(T item) {}
    }

    private final RetryPolicy backoff;
    private final Upload<T> upload;
    private final Listener<T> listener;
    private final Deque<T> queue = new ArrayDeque<>();
    private final Thread worker;
    private boolean uploading;
    private volatile boolean stopped;

    public OrderedUploads(String threadName, RetryPolicy backoff, Upload<T> upload, Listener<T> listener) {
        this.backoff = backoff;
        this.upload = upload;
        this.listener = listener;
        this.worker = new Thread(this::work, threadName);
        worker.setDaemon(true);
        worker.start();
    }

    public synchronized void add(T item) {
        queue.add(item);
        notifyAll();
    }

    public synchronized void addAll(Collection<? extends T> items) {
        queue.addAll(items);
        notifyAll();
    }

    /** Waits until every item added is done; false if {@code timeout} passed first. */
    public synchronized boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!queue.isEmpty() || uploading) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** The items not done yet, in order; the one uploading now first. */
    public synchronized List<T> waiting() {
        return List.copyOf(queue);
    }

    private void work() {
        while (!stopped) {
            T next;
            synchronized (this) {
                while (queue.isEmpty() && !stopped) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                next = queue.peek();
                uploading = true;
            }
            boolean done = false;
            try {
                done = uploadUntilDone(next);
            } finally {
                synchronized (this) {
                    if (done) {
                        queue.poll();
                    }
                }
                if (done) {
                    listener.done(next);
                }
                synchronized (this) {
                    uploading = false;
                    notifyAll();
                }
            }
        }
    }

    /** True once {@code item} is uploaded; false if this stopped first. */
    private boolean uploadUntilDone(T item) {
        for (int attempt = 1; !stopped; attempt++) {
            try {
                upload.upload(item);
                return true;
            } catch (IOException | RuntimeException e) {
                Duration wait = backoff.backoff(Math.min(attempt, backoff.maxAttempts()), ThreadLocalRandom.current());
                listener.failed(item, attempt, e, wait);
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Stops uploading; what waits stays where the caller keeps it (the spool, the event files). */
    @Override
    public void close() {
        stopped = true;
        worker.interrupt();
        synchronized (this) {
            notifyAll();
        }
    }
}
