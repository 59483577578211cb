package io.submarine.metrics.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every event file in src/test/resources/testdata/tfevents (real writers: PyTorch, TF2's
 * {@code tf.summary.scalar}, tensorboardX, a TF1 graph; and two damaged copies, see the README
 * there) read as the sidecar reads it, against its {@code expected_*.json},
 * which an independent reader wrote: the records, the framing problems where they are, and every
 * scalar's tag, step, wall time and value to the bit.
 */
class EventFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Path> eventFiles() throws Exception {
        Path root = Path.of(EventFilesTest.class.getResource("/testdata/tfevents").toURI());
        try (Stream<Path> all = Files.walk(root)) {
            List<Path> files = all.filter(Files::isRegularFile).filter(file -> file.getFileName().toString().contains("tfevents") && !file.getFileName().toString().endsWith(".json"))
                    .sorted().toList();
            assertThat(files).hasSize(9);
            return files.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eventFiles")
    void yieldsExactlyWhatTheIndependentReaderFound(Path file) throws Exception {
        JsonNode expected = JSON.readTree(file.resolveSibling("expected_" + file.getFileName() + ".json").toFile());
        int records = 0;
        List<String> problems = new ArrayList<>();
        List<Event.Scalar> scalars = new ArrayList<>();
        String fileVersion = null;
        try (FileChannel channel = FileChannel.open(file)) {
            TfRecords.Scanner scanner = new TfRecords.Scanner(channel, 0, Long.MAX_VALUE);
            while (true) {
                TfRecords.Read read = scanner.next();
                if (read instanceof TfRecords.Record record) {
                    records++;
                    Event event = Event.decode(record.data());
                    fileVersion = fileVersion == null ? event.fileVersion() : fileVersion;
                    scalars.addAll(event.scalars());
                } else if (read instanceof TfRecords.BadData bad) {
                    records++;
                    problems.add(bad.offset() + " data crc mismatch");
                } else if (read instanceof TfRecords.Incomplete incomplete) {
                    if (incomplete.available() > 0) {
                        problems.add(incomplete.offset() + " truncated");
                    }
                    break;
                } else {
                    problems.add(((TfRecords.BadLength) read).offset() + " bad length");
                    break;
                }
            }
        }
        assertThat(records).isEqualTo(expected.path("records").asInt());
        List<String> expectedProblems = new ArrayList<>();
        expected.path("framing_problems").forEach(problem -> expectedProblems.add(problem.path("offset").asLong()
                + (problem.path("problem").asText().startsWith("truncated") ? " truncated" : " " + problem.path("problem").asText())));
        assertThat(problems).isEqualTo(expectedProblems);
        assertThat(fileVersion).isEqualTo(expected.path("file_version").isNull() ? null : expected.path("file_version").asText());

        JsonNode wanted = expected.path("scalars");
        assertThat(scalars).hasSize(wanted.size());
        for (int i = 0; i < wanted.size(); i++) {
            JsonNode want = wanted.get(i);
            Event.Scalar got = scalars.get(i);
            assertThat(got.tag()).as("scalar %d", i).isEqualTo(want.path("tag").asText());
            assertThat(got.step()).as("scalar %d", i).isEqualTo(want.path("step").asLong());
            assertThat(Double.doubleToLongBits(got.wallTime())).as("wall time of scalar %d", i).isEqualTo(Double.doubleToLongBits(want.path("wall_time").asDouble()));
            assertThat(Double.doubleToLongBits(got.value())).as("value of scalar %d (%s)", i, want).isEqualTo(Double.doubleToLongBits(want.path("value").asDouble()));
            if (want.has("float32_bits")) {
                assertThat(got.float32()).isTrue();
                assertThat(Integer.toUnsignedLong(Float.floatToRawIntBits((float) got.value()))).as("bits of scalar %d", i)
                        .isEqualTo(Long.decode(want.path("float32_bits").asText()));
            }
        }
    }
}
