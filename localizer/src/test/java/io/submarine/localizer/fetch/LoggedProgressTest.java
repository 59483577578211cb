package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LoggedProgressTest {

    @RegisterExtension
    final CapturedLog logged = new CapturedLog(LoggedProgress.class);
    private final AtomicLong now = new AtomicLong();
    private final LoggedProgress progress = new LoggedProgress("trainer", Duration.ofSeconds(10), now::get);

    private void at(int seconds) {
        now.set(Duration.ofSeconds(seconds).toNanos());
    }

    @Test
    void aLongTaskIsLoggedEveryIntervalAndAtItsEnd() {
        progress.beginTask("Receiving objects", 1000);
        progress.update(100);
        at(5);
        progress.update(100);
        assertThat(logged.lines()).as("before the interval").isEmpty();
        at(10);
        progress.update(300);
        assertThat(logged.lines()).containsExactly("source 'trainer': Receiving objects: 500 of 1000 (50%) so far in 10 s, 50/s");
        at(20);
        progress.update(500);
        progress.endTask();
        assertThat(logged.lines()).hasSize(3).last().isEqualTo("source 'trainer': Receiving objects: 1000 of 1000 (100%) done in 20 s, 50/s");
    }

    @Test
    void aShortTaskLogsNothingAndAnUnknownTotalIsLeftOut() {
        progress.beginTask("Resolving deltas", 50);
        progress.update(50);
        at(9);
        progress.endTask();
        assertThat(logged.lines()).isEmpty();

        progress.beginTask("Counting objects", ProgressMonitor.UNKNOWN);
        at(21);
        progress.update(240);
        assertThat(logged.lines()).containsExactly("source 'trainer': Counting objects: 240 so far in 12 s, 20/s");
    }
}
