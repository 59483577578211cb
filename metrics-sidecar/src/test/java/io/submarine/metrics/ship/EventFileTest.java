package io.submarine.metrics.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.submarine.metrics.events.TfRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an event file is read and cut into pieces, on the shared test files written by real writers (and two damaged on purpose). */
class EventFileTest {

    private static final String PYTORCH = "/testdata/tfevents/pytorch_strict/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0";

    @TempDir
    Path dir;

    private final SidecarMetrics metrics = new SidecarMetrics(1000);

    @Test
    void piecesEndOnRecordBoundariesAndTogetherAreTheFile() throws Exception {
        Path file = copy(PYTORCH, "run/events.out.tfevents.1");
        EventFile events = new EventFile("run/events.out.tfevents.1", file, 0);
        assertThat(events.read(1024, metrics, Instant.now())).isEqualTo(Files.size(file));
        List<EventFile.Piece> cut = events.takePieces(false);
        assertThat(cut).isNotEmpty().allSatisfy(piece -> assertThat(piece.length()).isGreaterThanOrEqualTo(1024).isLessThan(1024 + 200));
        List<EventFile.Piece> tail = events.takePieces(true);
        assertThat(tail).hasSize(1);
        assertThat(events.takePieces(true)).as("nothing is cut twice").isEmpty();
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        long expectedStart = 0;
        for (EventFile.Piece piece : concat(cut, tail)) {
            assertThat(piece.start()).isEqualTo(expectedStart);
            assertThat(wholeRecordsIn(events.channel(), piece)).as("piece %s is whole records", piece).isTrue();
            joined.writeBytes(Arrays.copyOfRange(Files.readAllBytes(file), (int) piece.start(), (int) piece.end()));
            expectedStart = piece.end();
        }
        assertThat(joined.toByteArray()).isEqualTo(Files.readAllBytes(file));
        assertThat(events.run()).isEqualTo("run");
        assertThat(scrape()).contains("metrics_sidecar_scalars_total 100.0").contains("tfevents_scalar{run=\"run\"");
        events.close();
    }

    @Test
    void aTruncatedTailWaitsForTheWriterAndIsReadOnceItIsWhole() throws Exception {
        byte[] whole = resource(PYTORCH);
        Path file = dir.resolve("events.out.tfevents.2");
        Files.write(file, Arrays.copyOf(whole, whole.length - 10));
        EventFile events = new EventFile("events.out.tfevents.2", file, 0);
        long read = events.read(1 << 20, metrics, Instant.now());
        assertThat(read).isLessThan(whole.length - 10L);
        assertThat(events.takePieces(true)).singleElement().satisfies(piece -> assertThat(piece.end()).isEqualTo(read));
        Files.write(file, Arrays.copyOfRange(whole, whole.length - 10, whole.length), StandardOpenOption.APPEND);
        assertThat(events.read(1 << 20, metrics, Instant.now())).isEqualTo(whole.length - read);
        assertThat(events.takePieces(true)).singleElement().satisfies(piece -> assertThat(piece.end()).isEqualTo(whole.length));
        assertThat(events.run()).isEqualTo(".");
        events.close();
    }

    @Test
    void aRecordFailingItsDataCrcIsCountedAndShippedAsItIs() throws Exception {
        Path file = copy("/testdata/tfevents/derived_not_real/events.out.tfevents.bitflip_record51.0", "events.out.tfevents.3");
        EventFile events = new EventFile("events.out.tfevents.3", file, 0);
        assertThat(events.read(1 << 20, metrics, Instant.now())).isEqualTo(Files.size(file));
        assertThat(events.takePieces(true)).singleElement().satisfies(piece -> assertThat(piece.length()).isEqualTo(Files.size(file)));
        assertThat(scrape()).contains("metrics_sidecar_bad_data_records_total 1.0");
        assertThat(events.stopped()).isNull();
        events.close();
    }

    @Test
    void aLengthFailingItsCrcStopsTheFileThereAndSaysSo() throws Exception {
        byte[] bytes = resource(PYTORCH);
        bytes[2462 + 3] ^= 0x40; // a length byte of the record at 2462, as the bit-flipped file has its data
        Path file = Files.write(dir.resolve("events.out.tfevents.4"), bytes);
        EventFile events = new EventFile("events.out.tfevents.4", file, 0);
        assertThat(events.read(1 << 20, metrics, Instant.now())).isEqualTo(2462);
        assertThat(events.stopped()).contains("byte 2462").contains("CRC");
        assertThat(events.takePieces(true)).singleElement().satisfies(piece -> assertThat(piece.end()).isEqualTo(2462));
        assertThat(events.read(1 << 20, metrics, Instant.now())).isZero();
        assertThat(scrape()).contains("metrics_sidecar_stopped_file{file=\"events.out.tfevents.4\"} 1.0");
        events.close();
    }

    @Test
    void aFileResumesWhereStorageHoldsItAndOneShorterThanThatIsNotShipped() throws Exception {
        Path file = copy(PYTORCH, "events.out.tfevents.5");
        EventFile resumed = new EventFile("events.out.tfevents.5", file, 2462);
        assertThat(resumed.read(1 << 20, metrics, Instant.now())).isEqualTo(Files.size(file) - 2462);
        assertThat(resumed.takePieces(true)).singleElement().satisfies(piece -> assertThat(piece.start()).isEqualTo(2462));
        resumed.close();
        EventFile replaced = new EventFile("events.out.tfevents.5", file, Files.size(file) + 100);
        assertThat(replaced.read(1 << 20, metrics, Instant.now())).isZero();
        assertThat(replaced.stopped()).contains("shorter");
        assertThat(replaced.takePieces(true)).isEmpty();
        replaced.close();
    }

    private static boolean wholeRecordsIn(FileChannel channel, EventFile.Piece piece) throws IOException {
        TfRecords.Scanner scanner = new TfRecords.Scanner(channel, piece.start(), piece.end());
        TfRecords.Read read;
        do {
            read = scanner.next();
        } while (read instanceof TfRecords.Record);
        return read.equals(new TfRecords.Incomplete(piece.end(), 0));
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(text, metrics.registry().scrape());
        return text.toString(StandardCharsets.UTF_8);
    }

    private Path copy(String resource, String relative) throws IOException {
        Path target = dir.resolve(relative);
        Files.createDirectories(target.getParent());
        return Files.write(target, resource(resource));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = EventFileTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static List<EventFile.Piece> concat(List<EventFile.Piece> a, List<EventFile.Piece> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }
}
