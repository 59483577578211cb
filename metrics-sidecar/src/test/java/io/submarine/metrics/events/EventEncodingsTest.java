package io.submarine.metrics.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scalar encodings the real files in testdata do not hold, and damage, each written here field by field. */
class EventEncodingsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"double_val", "int64_val", "int_val", "half_val", "float_val unpacked", "float_val packed", "DT_DOUBLE tensor_content",
        "DT_INT64 tensor_content", "DT_HALF tensor_content", "shape [1]"})
    void everyRankZeroNumericTensorIsAScalar(String encoding) {
        Proto tensor = switch (encoding) {
            case "double_val" -> new Proto().varint(1, 2).packed(6, le(8, Double.doubleToLongBits(0.1)));
            case "int64_val" -> new Proto().varint(1, 9).packed(10, varintBytes(1L << 40));
            case "int_val" -> new Proto().varint(1, 3).packed(7, varintBytes(-5L));
            case "half_val" -> new Proto().varint(1, 19).packed(13, varintBytes(0x3c00)); // 1.0
            case "float_val unpacked" -> new Proto().varint(1, 1).fixed32(5, Float.floatToIntBits(0.25f));
            case "float_val packed" -> new Proto().varint(1, 1).packed(5, le(4, Float.floatToIntBits(0.25f)));
            case "DT_DOUBLE tensor_content" -> new Proto().varint(1, 2).bytes(4, le(8, Double.doubleToLongBits(0.1)));
            case "DT_INT64 tensor_content" -> new Proto().varint(1, 9).bytes(4, le(8, 1L << 40));
            case "DT_HALF tensor_content" -> new Proto().varint(1, 19).bytes(4, le(2, 0xc000)); // -2.0
            default -> new Proto().varint(1, 1).message(2, new Proto().message(2, new Proto().varint(1, 1))).fixed32(5, Float.floatToIntBits(0.25f));
        };
        double expected = switch (encoding) {
            case "double_val", "DT_DOUBLE tensor_content" -> 0.1;
            case "int64_val", "DT_INT64 tensor_content" -> 1L << 40;
            case "int_val" -> -5;
            case "half_val" -> 1.0;
            case "DT_HALF tensor_content" -> -2.0;
            default -> 0.25;
        };
        Event event = Event.decode(event(new Proto().string(1, "loss").message(8, tensor)));
        assertThat(event.scalars()).singleElement().satisfies(scalar -> {
            assertThat(scalar.tag()).isEqualTo("loss");
            assertThat(scalar.value()).isEqualTo(expected);
            assertThat(scalar.step()).isEqualTo(7);
        });
    }

    @Test
    void otherPluginsAndTensorsOfHigherRankAreNotScalars() {
        Proto histogram = new Proto().string(1, "weights").message(9, new Proto().message(1, new Proto().string(1, "histograms")))
                .message(8, new Proto().varint(1, 1).fixed32(5, 1));
        Proto vector = new Proto().string(1, "v").message(8, new Proto().varint(1, 1).message(2, new Proto().message(2, new Proto().varint(1, 3)))
                .packed(5, le(12, 0)));
        Proto text = new Proto().string(1, "note").message(8, new Proto().varint(1, 7).bytes(8, "hello".getBytes()));
        Event event = Event.decode(event(histogram, vector, text));
        assertThat(event.scalars()).isEmpty();
        assertThat(event.otherValues()).isEqualTo(3);
    }

    @Test
    void aMalformedEventIsRefusedSayingWhy() {
        assertThatThrownBy(() -> Event.decode(new byte[] {0x2a, 0x7f, 0x01})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
    }

    @Test
    void aLengthWhoseCrcFailsStopsTheFileAndATruncatedTailWaits() throws Exception {
        byte[] data = event(new Proto().string(1, "loss").fixed32(2, Float.floatToIntBits(1f)));
        byte[] record = record(data);
        Path file = dir.resolve("events.out.tfevents.1");
        Files.write(file, record);
        try (FileChannel channel = FileChannel.open(file)) {
            assertThat(recordAt(channel, 0)).isInstanceOf(TfRecords.Record.class);
            assertThat(recordAt(channel, record.length)).isEqualTo(new TfRecords.Incomplete(record.length, 0));
        }
        Files.write(file, Arrays.copyOf(record, record.length - 1));
        try (FileChannel channel = FileChannel.open(file)) {
            assertThat(recordAt(channel, 0)).isInstanceOf(TfRecords.Incomplete.class);
        }
        record[8] ^= 1;
        Files.write(file, record);
        try (FileChannel channel = FileChannel.open(file)) {
            assertThat(recordAt(channel, 0)).isInstanceOf(TfRecords.BadLength.class);
        }
    }

    @Test
    void aScannerReadsRecordsAcrossItsBufferGrowsForALargeOneAndGoesOnAsTheFileGrows() throws Exception {
        Random random = new Random(23);
        List<byte[]> records = new ArrayList<>();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        while (written.size() < 3 << 20) {
            // Mostly small records, so many straddle the end of the 1 MiB buffer; one larger than it.
            byte[] data = new byte[records.size() == 700 ? (2 << 20) + 3 : 1 + random.nextInt(5000)];
            random.nextBytes(data);
            records.add(data);
            written.writeBytes(record(data));
        }
        byte[] all = written.toByteArray();
        int half = all.length / 2 + 5;
        Path file = dir.resolve("events.out.tfevents.2");
        Files.write(file, Arrays.copyOf(all, half));
        List<byte[]> read = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file)) {
            TfRecords.Scanner scanner = new TfRecords.Scanner(channel, 0, Long.MAX_VALUE);
            TfRecords.Read next;
            while ((next = scanner.next()) instanceof TfRecords.Record record) {
                read.add(record.data());
            }
            assertThat(next).isInstanceOf(TfRecords.Incomplete.class);
            assertThat(((TfRecords.Incomplete) next).offset()).isEqualTo(scanner.offset()).isLessThan(half);
            Files.write(file, Arrays.copyOfRange(all, half, all.length), StandardOpenOption.APPEND);
            while ((next = scanner.next()) instanceof TfRecords.Record record) {
                read.add(record.data());
            }
            assertThat(next).isEqualTo(new TfRecords.Incomplete(all.length, 0));
        }
        assertThat(read).hasSameSizeAs(records);
        for (int i = 0; i < records.size(); i++) {
            assertThat(read.get(i)).as("record %d", i).isEqualTo(records.get(i));
        }
    }

    /** What a scanner finds at {@code offset}. */
    private static TfRecords.Read recordAt(FileChannel channel, long offset) throws IOException {
        return new TfRecords.Scanner(channel, offset, Long.MAX_VALUE).next();
    }

    /** An Event at step 7 with one summary holding {@code values}. */
    private static byte[] event(Proto... values) {
        Proto summary = new Proto();
        for (Proto value : values) {
            summary.message(1, value);
        }
        return new Proto().fixed64(1, Double.doubleToLongBits(1.7e9)).varint(2, 7).message(5, summary).toBytes();
    }

    private static byte[] record(byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(12 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(data.length);
        out.putInt(TfRecords.maskedCrc(out.array(), 0, 8));
        out.put(data);
        out.putInt(TfRecords.maskedCrc(data, 0, data.length));
        return out.array();
    }

    private static byte[] le(int size, long value) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        return bytes;
    }

    private static byte[] varintBytes(long value) {
        return new Proto().rawVarint(value).toBytes();
    }

    /** Protocol Buffers' wire format, written: enough to make the events the tests need. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto rawVarint(long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) ((value & 0x7f) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
            return this;
        }

        Proto varint(int field, long value) {
            return rawVarint(field << 3).rawVarint(value);
        }

        Proto fixed32(int field, int value) {
            rawVarint(field << 3 | 5);
            out.writeBytes(le(4, value));
            return this;
        }

        Proto fixed64(int field, long value) {
            rawVarint(field << 3 | 1);
            out.writeBytes(le(8, value));
            return this;
        }

        Proto bytes(int field, byte[] value) {
            rawVarint(field << 3 | 2).rawVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto packed(int field, byte[] elements) {
            return bytes(field, elements);
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.toBytes());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
