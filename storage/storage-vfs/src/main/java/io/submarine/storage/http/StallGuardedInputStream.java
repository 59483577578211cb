package io.submarine.storage.http;

import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body whose reads wait for bytes at most a timeout. The JDK client has no read
 * timeout (its request timeout ends with the headers), so a server that stops sending mid-body
 * would hold the reader until the program's own deadline. A watchdog closes a body whose read
 * has waited too long, which wakes the read; it then fails as a transient error, to be retried.
 */
final class StallGuardedInputStream extends FilterInputStream {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "http-stall-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final Location location;
    private final Duration timeout;
    private final ScheduledFuture<?> watch;
    /** When the read under way started waiting (System.nanoTime()), or -1 between reads. */
    private volatile long waitingSince = -1;
    private volatile boolean stalled;

    StallGuardedInputStream(InputStream body, Location location, Duration timeout) {
        super(body);
        this.location = location;
        this.timeout = timeout;
        long period = Math.max(50, timeout.toMillis() / 4);
        this.watch = WATCHDOG.scheduleAtFixedRate(this::closeIfStalled, period, period, TimeUnit.MILLISECONDS);
    }

    private void closeIfStalled() {
        long since = waitingSince;
        if (since >= 0 && System.nanoTime() - since > timeout.toNanos()) {
            stalled = true;
            watch.cancel(false);
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // The waiting read fails either way.
            }
        }
    }

    private IOException stalledOr(IOException e) {
        return stalled ? new BlobTransientException(location, "no bytes for " + timeout.toMillis() / 1000.0 + " s (http.read-timeout-ms): the transfer stalled", e) : e;
    }

    @Override
    public int read() throws IOException {
        waitingSince = System.nanoTime();
        try {
            return in.read();
        } catch (IOException e) {
            throw stalledOr(e);
        } finally {
            waitingSince = -1;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        waitingSince = System.nanoTime();
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw stalledOr(e);
        } finally {
            waitingSince = -1;
        }
    }

    @Override
    public long skip(long n) throws IOException {
        waitingSince = System.nanoTime();
        try {
            return in.skip(n);
        } catch (IOException e) {
            throw stalledOr(e);
        } finally {
            waitingSince = -1;
        }
    }

    @Override
    public void close() throws IOException {
        watch.cancel(false);
        in.close();
    }
}
