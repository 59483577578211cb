package io.submarine.storage.retry;

import io.submarine.storage.BlobStoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/** Runs a call again while it fails with a retryable {@link BlobStoreException}, within a {@link RetryPolicy}. */
public final class Retrier {

    /** Waits; injected so that tests of retry logic don't sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** A call that may fail with an {@link IOException}. */
    @FunctionalInterface
    public interface IoCall<T> {
        T call() throws IOException;
    }

    private final RetryPolicy policy;
    private final Sleeper sleeper;
    private final RandomGenerator random;

    public Retrier(RetryPolicy policy, Sleeper sleeper, RandomGenerator random) {
        this.policy = policy;
        this.sleeper = sleeper;
        this.random = random;
    }

    public Retrier(RetryPolicy policy) {
        this(policy, d -> Thread.sleep(d.toMillis()), RandomGenerator.getDefault());
    }

    public <T> T call(IoCall<T> call) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (BlobStoreException e) {
                if (!e.retryable() || attempt >= policy.maxAttempts()) {
                    throw e;
                }
                try {
                    sleeper.sleep(policy.backoff(attempt, random));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    InterruptedIOException stop = new InterruptedIOException("interrupted while waiting to retry");
                    stop.addSuppressed(e);
                    throw stop;
                }
            }
        }
    }
}
