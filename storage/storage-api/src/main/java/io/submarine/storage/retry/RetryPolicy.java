package io.submarine.storage.retry;

import io.submarine.storage.StorageConfig;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How often and how patiently to retry a call that failed transiently: exponential backoff
 * with "full jitter" (a random wait between zero and the capped exponential), so that many
 * pods retrying against one recovering server do not retry in lockstep.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
        }
    }

    /** Reads {@code retry.max-attempts} (5), {@code retry.initial-backoff-ms} (100) and {@code retry.max-backoff-ms} (10000). */
    public static RetryPolicy from(StorageConfig config) {
        return new RetryPolicy(
                config.getInt("retry.max-attempts", 5),
                Duration.ofMillis(config.getInt("retry.initial-backoff-ms", 100)),
                Duration.ofMillis(config.getInt("retry.max-backoff-ms", 10_000)));
    }

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} (1-based) failed. */
    public Duration backoff(int attempt, RandomGenerator random) {
        long cap = initialBackoff.toMillis() << Math.min(attempt - 1, 30);
        long bound = Math.min(Math.max(cap, 0), maxBackoff.toMillis());
        return Duration.ofMillis(bound == 0 ? 0 : random.nextLong(bound + 1));
    }
}
