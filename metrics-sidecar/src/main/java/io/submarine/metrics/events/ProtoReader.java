package io.submarine.metrics.events;

import java.nio.charset.StandardCharsets;

/**
 * Protocol Buffers' wire format, read field by field: all an event file needs, without generated
 * code for TensorFlow's protos (their fields have kept their numbers since 2015). A malformed
 * message is an {@link IllegalArgumentException}.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] data;
    private int at;
    private final int end;
    private int tag;

    ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int from, int end) {
        this.data = data;
        this.at = from;
        this.end = end;
    }

    /** Moves to the next field; false at the end of the message. */
    boolean next() {
        if (at >= end) {
            return false;
        }
        tag = (int) varint();
        if (tag >>> 3 == 0) {
            throw new IllegalArgumentException("field number 0 at byte " + at);
        }
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = take();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("a varint longer than 10 bytes");
    }

    long fixed64() {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value |= (long) (take() & 0xff) << (8 * i);
        }
        return value;
    }

    int fixed32() {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            value |= (take() & 0xff) << (8 * i);
        }
        return value;
    }

    double float64() {
        return Double.longBitsToDouble(fixed64());
    }

    float float32() {
        return Float.intBitsToFloat(fixed32());
    }

    /** A length-delimited field's bytes, as a reader of their own. */
    ProtoReader message() {
        int length = length();
        ProtoReader inner = new ProtoReader(data, at, at + length);
        at += length;
        return inner;
    }

    byte[] bytes() {
        int length = length();
        byte[] copy = java.util.Arrays.copyOfRange(data, at, at + length);
        at += length;
        return copy;
    }

    String string() {
        int length = length();
        String text = new String(data, at, length, StandardCharsets.UTF_8);
        at += length;
        return text;
    }

    /** Whether there is more of this (packed or whole) message to read. */
    boolean more() {
        return at < end;
    }

    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(length());
            case FIXED32 -> advance(4);
            default -> throw new IllegalArgumentException("wire type " + wireType() + " of field " + field());
        }
    }

    private int length() {
        long length = varint();
        if (length < 0 || length > end - at) {
            throw new IllegalArgumentException("a field of " + length + " bytes where " + (end - at) + " are left");
        }
        return (int) length;
    }

    private void advance(int bytes) {
        if (bytes > end - at) {
            throw new IllegalArgumentException("a field runs past the end of its message");
        }
        at += bytes;
    }

    private byte take() {
        if (at >= end) {
            throw new IllegalArgumentException("the message ends inside a field");
        }
        return data[at++];
    }
}
