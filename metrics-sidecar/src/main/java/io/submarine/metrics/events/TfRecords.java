package io.submarine.metrics.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, as TensorFlow writes event files: a little-endian 64-bit length, the masked
 * CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data. Read one record at a time
 * from an offset, so a file still being written is read on from where it stopped.
 */
public final class TfRecords {
    private TfRecords() {}

    private static final int HEADER = 12;
    private static final int FOOTER = 4;
    /** Larger than any event a writer makes (TensorBoard's own reader has no limit; a garbage length must not allocate gigabytes). */
    static final long MAX_RECORD = 256L << 20;
    private static final int MASK_DELTA = 0xa282ead8;

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
        long size = file.size();
        if (size - offset < HEADER) {
            return new Incomplete(offset, Math.max(0, size - offset));
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, header, offset);
        long length = header.getLong(0);
        if (maskedCrc(header.array(), 0, 8) != header.getInt(8)) {
            return new BadLength(offset, "the length's CRC does not match");
        }
        if (length < 0 || length > MAX_RECORD) {
            return new BadLength(offset, "a record of " + Long.toUnsignedString(length) + " bytes");
        }
        long next = offset + HEADER + length + FOOTER;
        if (size < next) {
            return new Incomplete(offset, size - offset);
        }
        ByteBuffer body = ByteBuffer.allocate((int) length + FOOTER).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, body, offset + HEADER);
        byte[] data = new byte[(int) length];
        body.get(0, data);
        if (maskedCrc(data, 0, data.length) != body.getInt((int) length)) {
            return new BadData(offset, next);
        }
        return new Record(offset, next, data);
    }

    /** CRC-32C, masked as TFRecord masks it (rotated right 15 bits, plus a constant), so a CRC of data holding CRCs stays strong. */
    static int maskedCrc(byte[] data, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, from, length);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + MASK_DELTA;
    }

    private static void readFully(FileChannel file, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = file.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new java.io.EOFException("the file shrank while it was read at byte " + (position + buffer.position()));
            }
        }
        buffer.flip();
    }
}
