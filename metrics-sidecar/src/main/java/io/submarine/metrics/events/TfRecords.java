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

    /** The record at {@code offset} of {@code file}. */
    public static Read read(FileChannel file, long offset) throws IOException {
        return new Scanner(file, offset, Long.MAX_VALUE).next();
    }

    /**
     * Reads records in order from an offset through one buffer, so small records cost no system
     * call each. After an {@link Incomplete} the next call tries the same offset again; after a
     * {@link BadLength} it stays there.
     */
    public static final class Scanner {
        private final FileChannel file;
        private final long end;
        private ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        /** The file offset of the buffer's first byte; the buffer holds bytes up to its limit. */
        private long bufferStart;
        private long offset;

        /** Records of {@code file} from {@code offset}, none reaching past {@code end} ({@code Long.MAX_VALUE}: the file's end, as it grows). */
        public Scanner(FileChannel file, long offset, long end) {
            this.file = file;
            this.offset = offset;
            this.end = end;
            this.bufferStart = offset;
            buffer.limit(0);
        }

        /** Where the next record starts. */
        public long offset() {
            return offset;
        }

        public Read next() throws IOException {
            long available = fill(HEADER);
            if (available < HEADER) {
                return new Incomplete(offset, available);
            }
            int at = (int) (offset - bufferStart);
            long length = buffer.getLong(at);
            if (maskedCrc(buffer, at, 8) != buffer.getInt(at + 8)) {
                return new BadLength(offset, "the length's CRC does not match");
            }
            if (length < 0 || length > MAX_RECORD) {
                return new BadLength(offset, "a record of " + Long.toUnsignedString(length) + " bytes");
            }
            int total = (int) (HEADER + length + FOOTER);
            available = fill(total);
            if (available < total) {
                return new Incomplete(offset, available);
            }
            at = (int) (offset - bufferStart);
            long start = offset;
            offset += total;
            if (maskedCrc(buffer, at + HEADER, (int) length) != buffer.getInt(at + HEADER + (int) length)) {
                return new BadData(start, offset);
            }
            byte[] data = new byte[(int) length];
            buffer.get(at + HEADER, data);
            return new Record(start, offset, data);
        }

        /** Makes up to {@code count} bytes from {@code offset} available in the buffer; returns how many are. */
        private long fill(int count) throws IOException {
            long wanted = Math.max(0, Math.min(count, end - offset));
            if (offset + wanted <= bufferStart + buffer.limit()) {
                return wanted;
            }
            // Keep what is buffered from offset on, at the buffer's start, growing it for a large record.
            int kept = (int) (bufferStart + buffer.limit() - offset);
            ByteBuffer target = count > buffer.capacity() ? ByteBuffer.allocate(count).order(ByteOrder.LITTLE_ENDIAN) : buffer;
            if (kept > 0) {
                ByteBuffer rest = buffer.duplicate().position(buffer.limit() - kept);
                target.clear();
                target.put(rest);
            } else {
                target.clear();
                kept = 0;
            }
            buffer = target;
            bufferStart = offset;
            long readable = Math.min(buffer.capacity(), Math.max(kept, end - offset));
            buffer.limit((int) readable);
            buffer.position(kept);
            while (buffer.hasRemaining()) {
                int read = file.read(buffer, bufferStart + buffer.position());
                if (read <= 0) {
                    break;
                }
            }
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

    private static int maskedCrc(ByteBuffer buffer, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(from + length).position(from));
        return mask((int) crc.getValue());
    }

    private static int mask(int value) {
        return ((value >>> 15) | (value << 17)) + MASK_DELTA;
    }
}
