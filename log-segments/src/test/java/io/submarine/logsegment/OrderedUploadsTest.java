package io.submarine.logsegment;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.retry.RetryPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Items go up in the order they came, each retried until it is through; nothing is done twice or skipped. */
class OrderedUploadsTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5));

    @Test
    void eachItemIsRetriedUntilItIsThroughAndTheOrderHolds() throws Exception {
        List<Integer> uploaded = new CopyOnWriteArrayList<>();
        List<Integer> done = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        OrderedUploads.Listener<Integer> listener = new OrderedUploads.Listener<>() {
            @Override
            public void failed(Integer item, int attempt, Exception error, Duration retryIn) {
                failures.add(item + "#" + attempt + ": " + error.getMessage());
            }

            @Override
            public void done(Integer item) {
                done.add(item);
            }
        };
        try (OrderedUploads<Integer> uploads = new OrderedUploads<>("test-uploader", FAST, item -> {
            // Every third call fails: storage coming and going.
            if (calls.incrementAndGet() % 3 == 0) {
                throw new IOException("storage away");
            }
            uploaded.add(item);
        }, listener)) {
            uploads.addAll(List.of(0, 1, 2, 3, 4));
            for (int i = 5; i < 20; i++) {
                uploads.add(i);
            }
            assertThat(uploads.awaitEmpty(Duration.ofSeconds(30))).isTrue();
            assertThat(uploads.waiting()).isEmpty();
        }
        List<Integer> expected = java.util.stream.IntStream.range(0, 20).boxed().toList();
        assertThat(uploaded).isEqualTo(expected);
        assertThat(done).isEqualTo(expected);
        assertThat(failures).hasSizeGreaterThanOrEqualTo(9).allMatch(failure -> failure.endsWith("#1: storage away"));
    }

    @Test
    void closedWhileStorageIsDownTheItemsStayWaitingAndNoneIsDone() throws Exception {
        List<Integer> done = new CopyOnWriteArrayList<>();
        OrderedUploads<Integer> uploads = new OrderedUploads<>("test-uploader", FAST, item -> {
            throw new IOException("storage down");
        }, new OrderedUploads.Listener<>() {
            @Override
            public void failed(Integer item, int attempt, Exception error, Duration retryIn) {
                assertThat(item).isZero();
            }

            @Override
            public void done(Integer item) {
                done.add(item);
            }
        });
        uploads.addAll(List.of(0, 1));
        assertThat(uploads.awaitEmpty(Duration.ofMillis(200))).isFalse();
        uploads.close();
        assertThat(uploads.waiting()).containsExactly(0, 1);
        assertThat(done).isEmpty();
    }
}
