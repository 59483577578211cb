package io.submarine.storage.testing;

import java.io.InputStream;
import java.util.SplittableRandom;

/** Deterministic test content: the same seed gives the same bytes, so reads can be checked without keeping a copy. */
public final class Payloads {
    private Payloads() {}

    public static byte[] bytes(long seed, int length) {
        byte[] out = new byte[length];
        fill(new SplittableRandom(seed), out, 0, length);
        return out;
    }

    /** {@code length} pseudo-random bytes, generated as they are read (no buffer of that size). */
    public static InputStream stream(long seed, long length) {
        SplittableRandom random = new SplittableRandom(seed);
        return new InputStream() {
            private long remaining = length;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (remaining <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, remaining);
                fill(random, b, off, n);
                remaining -= n;
                return n;
            }
        };
    }

    private static void fill(SplittableRandom random, byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i + 8 <= end) {
            long v = random.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i++] = (byte) (v >>> (8 * k));
            }
        }
        while (i < end) {
            b[i++] = (byte) random.nextInt(256);
        }
    }
}
