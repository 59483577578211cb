package io.submarine.metrics.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, as TensorFlow writes event files: a little-endian 64-bit length, the masked
 * CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data. A {@link Scanner} reads one
 * record after another from an offset, so a file still being written is read on from where it
 * stopped.
 */
public final class TfRecords {
    private TfRecords() {}

    static final int HEADER = 12;
    static final int FOOTER = 4;
    /** Larger than any event a writer makes (TensorBoard's own reader has no limit; a garbage length must not allocate gigabytes). */
    static final long MAX_RECORD = 256L << 20;
    private static final int MASK_DELTA = 0xa282ead8;
    private static final int BUFFER = 1 << 20;

    /** What the bytes at an offset are. */
    public sealed interface Read permits Record, Incomplete, BadLength, BadData {}

    /** A whole record whose CRCs match: {@code data}, and where the next one starts. */
    public record Record(long offset, long next, byte[] data) implements Read {}

    /** Fewer bytes than a whole record: the writer is still writing. Read again from the same offset later. */
    public record Incomplete(long offset, long available) implements Read {}

    /** The length's own CRC does not match: nothing after it can be found. The file stops here. */
    public record BadLength(long offset, String why) implements Read {}

    /** The data's CRC does not match: this record is skipped, the next one starts at {@code next}. */
    public record BadData(long offset, long next) implements Read {}

    /**
     * Reads records in order from an offset through one buffer, so small records cost no system
     * call each. After an {@link Incomplete} the next call tries the same offset again; after a
     * {@link BadLength} it stays there. The buffer starts small, doubles while reads fill it (a
     * backlog) up to 1 MiB, grows to hold a larger record, and is let go at every {@link Incomplete}:
     * a sidecar following a thousand files that are all caught up holds no buffer for any.
     */
    public static final class Scanner {
        private static final int MIN_BUFFER = 8 << 10;
        private static final ByteBuffer NONE = ByteBuffer.allocate(0);

        private final FileChannel file;
        private final long end;
        private final CRC32C crc = new CRC32C();
        private ByteBuffer buffer = NONE;
        /** The file offset of the buffer's first byte; the buffer holds bytes up to its limit. */
        private long bufferStart;
        private long offset;
        /** Whether the last read filled the whole buffer: more is waiting, so the next buffer is twice as large. */
        private boolean filled;

        /** Records of {@code file} from {@code offset}, none reaching past {@code end} ({@code Long.MAX_VALUE}: the file's end, as it grows). */
        public Scanner(FileChannel file, long offset, long end) {
            this.file = file;
            this.offset = offset;
            this.end = end;
            this.bufferStart = offset;
        }

        /** Where the next record starts. */
        public long offset() {
            return offset;
        }

        public Read next() throws IOException {
            long available = fill(HEADER);
            if (available < HEADER) {
                return incomplete(available);
            }
            int at = (int) (offset - bufferStart);
            long length = buffer.getLong(at);
            if (maskedCrc(at, 8) != buffer.getInt(at + 8)) {
                return new BadLength(offset, "the length's CRC does not match");
            }
            if (length < 0 || length > MAX_RECORD) {
                return new BadLength(offset, "a record of " + Long.toUnsignedString(length) + " bytes");
            }
            int total = (int) (HEADER + length + FOOTER);
            available = fill(total);
            if (available < total) {
                return incomplete(available);
            }
            at = (int) (offset - bufferStart);
            long start = offset;
            offset += total;
            if (maskedCrc(at + HEADER, (int) length) != buffer.getInt(at + HEADER + (int) length)) {
                return new BadData(start, offset);
            }
            byte[] data = new byte[(int) length];
            buffer.get(at + HEADER, data);
            return new Record(start, offset, data);
        }

        /** The masked CRC-32C of {@code length} buffered bytes from {@code from}, with this scanner's one CRC. */
        private int maskedCrc(int from, int length) {
            crc.reset();
            crc.update(buffer.slice(from, length));
            return mask((int) crc.getValue());
        }

        /** Lets the buffer go: the file is read again from {@code offset} when it has grown. */
        private Incomplete incomplete(long available) {
            buffer = NONE;
            bufferStart = offset;
            filled = false;
            return new Incomplete(offset, available);
        }

        /** Makes up to {@code count} bytes from {@code offset} available in the buffer; returns how many are. */
        private long fill(int count) throws IOException {
            long wanted = Math.max(0, Math.min(count, end - offset));
            if (offset + wanted <= bufferStart + buffer.limit()) {
                return wanted;
            }
            // Keep what is buffered from offset on, at the start of a buffer large enough for count.
            int kept = (int) (bufferStart + buffer.limit() - offset);
            int capacity = Math.max(count, Math.min(BUFFER, filled ? 2 * buffer.capacity() : Math.max(MIN_BUFFER, buffer.capacity())));
            ByteBuffer target = capacity == buffer.capacity() ? buffer : ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer rest = buffer.duplicate().position(buffer.limit() - kept);
            target.clear();
            target.put(rest);
            buffer = target;
            bufferStart = offset;
            buffer.limit((int) Math.min(buffer.capacity(), Math.max(kept, end - offset)));
            while (buffer.hasRemaining()) {
                int read = file.read(buffer, bufferStart + buffer.position());
                if (read <= 0) {
                    break;
                }
            }
            filled = !buffer.hasRemaining();
            buffer.limit(buffer.position());
            buffer.position(0);
            return Math.min(wanted, buffer.limit());
        }
    }

    /** CRC-32C, masked as TFRecord masks it (rotated right 15 bits, plus a constant), so a CRC of data holding CRCs stays strong. */
    static int maskedCrc(byte[] data, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, from, length);
        return mask((int) crc.getValue());
    }


    private static int mask(int value) {
        return ((value >>> 15) | (value << 17)) + MASK_DELTA;
    }
}
