package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TransferProgressTest {

    @RegisterExtension
    final CapturedLog logged = new CapturedLog(TransferProgress.class);
    private final AtomicLong now = new AtomicLong();
    private final AtomicLong files = new AtomicLong();

    private void at(int seconds) {
        now.set(Duration.ofSeconds(seconds).toNanos());
    }

    private TransferProgress progress(long totalFiles) {
        return new TransferProgress("resnet", files::get, totalFiles, Duration.ofSeconds(10), now::get);
    }

    @Test
    void aLongModelFetchLogsBytesFilesAndRateEveryInterval() {
        TransferProgress progress = progress(120);
        progress.add(100_000_000);
        at(9);
        files.set(30);
        progress.add(100_000_000);
        assertThat(logged.lines()).as("before the interval").isEmpty();
        at(10);
        progress.add(50_000_000);
        assertThat(logged.lines()).containsExactly("source 'resnet': 250 MB, 30 of 120 files so far in 10 s, 25.0 MB/s");
        at(15);
        progress.add(1);
        assertThat(logged.lines()).as("once per interval").hasSize(1);
        at(20);
        files.set(45);
        progress.add(49_999_999);
        assertThat(logged.lines()).last().isEqualTo("source 'resnet': 300 MB, 45 of 120 files so far in 20 s, 15.0 MB/s");
    }

    @Test
    void anArchiveHasNoTotalAndASingleFileNoCountAndAShortTransferLogsNothing() {
        TransferProgress archive = progress(-1);
        at(12);
        files.set(7);
        archive.add(3_000_000);
        assertThat(logged.lines()).containsExactly("source 'resnet': 3 MB, 7 files so far in 12 s, 0.3 MB/s");

        logged.clear();
        at(0);
        TransferProgress single = new TransferProgress("weights", null, -1, Duration.ofSeconds(10), now::get);
        single.add(1_000_000);
        at(5);
        single.add(1_000_000);
        assertThat(logged.lines()).as("a transfer shorter than the interval").isEmpty();
        at(10);
        single.add(1_000_000);
        assertThat(logged.lines()).containsExactly("source 'weights': 3 MB so far in 10 s, 0.3 MB/s");
    }
}
