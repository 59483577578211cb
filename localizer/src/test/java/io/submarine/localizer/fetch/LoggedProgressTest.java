package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggedProgressTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(LoggedProgress.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final AtomicLong now = new AtomicLong();
    private final LoggedProgress progress = new LoggedProgress("trainer", Duration.ofSeconds(10), now::get);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    private void at(int seconds) {
        now.set(Duration.ofSeconds(seconds).toNanos());
    }

    private List<String> lines() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aLongTaskIsLoggedEveryIntervalAndAtItsEnd() {
        progress.beginTask("Receiving objects", 1000);
        progress.update(100);
        at(5);
        progress.update(100);
        assertThat(lines()).as("before the interval").isEmpty();
        at(10);
        progress.update(300);
        assertThat(lines()).containsExactly("source 'trainer': Receiving objects: 500 of 1000 (50%) so far in 10 s, 50/s");
        at(20);
        progress.update(500);
        progress.endTask();
        assertThat(lines()).hasSize(3).last().isEqualTo("source 'trainer': Receiving objects: 1000 of 1000 (100%) done in 20 s, 50/s");
    }

    @Test
    void aShortTaskLogsNothingAndAnUnknownTotalIsLeftOut() {
        progress.beginTask("Resolving deltas", 50);
        progress.update(50);
        at(9);
        progress.endTask();
        assertThat(lines()).isEmpty();

        progress.beginTask("Counting objects", ProgressMonitor.UNKNOWN);
        at(21);
        progress.update(240);
        assertThat(lines()).containsExactly("source 'trainer': Counting objects: 240 so far in 12 s, 20/s");
    }
}
