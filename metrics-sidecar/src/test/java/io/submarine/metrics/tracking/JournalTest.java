package io.submarine.metrics.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tracking journal: acknowledged appends come back in order after a restart; a line a crash cut short was never acknowledged and is dropped. */
class JournalTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void appendsComeBackInOrderAndATornLastLineIsDropped() throws Exception {
        try (Journal journal = Journal.open(dir, entry -> { })) {
            List<CompletableFuture<Void>> durable = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                journal.append("runs/log-batch", JSON.createObjectNode().put("run_id", "r").put("i", i), durable);
            }
            CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)).get();
            assertThat(journal.reader().read(41, 5)).extracting(Journal.Entry::seq).containsExactly(41L, 42L, 43L, 44L, 45L);
            // As the forwarder and the shipper read, each with its own reader: on from where its last read ended, every entry once, in order.
            Journal.Reader forwarding = journal.reader();
            Journal.Reader shipping = journal.reader();
            List<Long> forwarded = new ArrayList<>();
            List<Long> shipped = new ArrayList<>();
            for (long next = 1; next <= 100; next += 7) {
                forwarding.read(next, 7).forEach(entry -> forwarded.add(entry.body().path("i").asLong()));
                if (next <= 50) {
                    shipping.read(next, 7).forEach(entry -> shipped.add(entry.body().path("i").asLong()));
                }
            }
            assertThat(forwarded).hasSize(100).isSorted().startsWith(0L).endsWith(99L);
            assertThat(shipped).hasSize(56).isSorted().startsWith(0L).endsWith(55L);
            assertThat(forwarding.read(101, 7)).isEmpty();
        }
        Path file = Journal.files(dir).get(0);
        // A crash in the middle of a group: the last line is half on disk.
        Files.writeString(file, "{\"seq\":101,\"call\":\"runs/log-ba", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        List<Long> replayed = new ArrayList<>();
        try (Journal journal = Journal.open(dir, entry -> replayed.add(entry.body().path("i").asLong()))) {
            assertThat(replayed).hasSize(100).startsWith(0L, 1L).endsWith(99L);
            List<CompletableFuture<Void>> durable = new ArrayList<>();
            assertThat(journal.append("runs/update", JSON.createObjectNode().put("run_id", "r"), durable).seq()).isEqualTo(101);
            durable.get(0).get();
        }
        assertThat(Files.readString(file)).doesNotContain("runs/log-ba\"").endsWith("\n");
        List<String> calls = new ArrayList<>();
        Journal.open(dir, entry -> calls.add(entry.call())).close();
        assertThat(calls).hasSize(101).last().isEqualTo("runs/update");
    }

    @Test
    void aJournalWithAGapIsRefusedNotReplayedWrong() throws Exception {
        Files.writeString(dir.resolve("journal-0000000000000001.jsonl"), "{\"seq\":1,\"call\":\"runs/update\",\"body\":{}}\n"
                + "{\"seq\":3,\"call\":\"runs/update\",\"body\":{}}\n");
        assertThatThrownBy(() -> Journal.open(dir, entry -> { })).isInstanceOf(IOException.class).hasMessageContaining("entry 3 where 2 was next");
    }
}
