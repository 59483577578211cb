package io.submarine.localizer.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {

    private static final int CHUNK = 1024;

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    /** Counts what the reader thread has taken from the source. */
    private static final class CountingSource extends FilterInputStream {
        final AtomicLong read = new AtomicLong();

        CountingSource(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                read.addAndGet(n);
            }
            return n;
        }
    }

    @Test
    void passesEveryByteUnchangedWhileItsChunksAreReused() throws IOException {
        // Five and a half chunks through two: each chunk is refilled twice or more while the
        // consumer reads in sizes that straddle chunk boundaries.
        byte[] data = randomBytes(CHUNK * 5 + CHUNK / 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), 2, CHUNK)) {
            int[] sizes = {1, 700, 3000, 333};
            byte[] buffer = new byte[3000];
            for (int i = 0; ; i++) {
                if (i % 5 == 4) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    out.write(b);
                    continue;
                }
                int n = in.read(buffer, 0, sizes[i % sizes.length]);
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void readsNoMoreThanItsChunksAhead() throws Exception {
        CountingSource source = new CountingSource(new ByteArrayInputStream(randomBytes(CHUNK * 20)));
        try (InputStream in = new ReadAheadInputStream(source, 3, CHUNK)) {
            awaitRead(source, 3L * CHUNK);
            Thread.sleep(200); // room for a reader that would run further ahead
            assertThat(source.read.get()).isEqualTo(3L * CHUNK);

            // The consumer finishes the first chunk and starts the second: the first is free again.
            in.readNBytes(CHUNK + 1);
            awaitRead(source, 4L * CHUNK);
            Thread.sleep(200);
            assertThat(source.read.get()).isEqualTo(4L * CHUNK);
        }
    }

    @Test
    void aFailureOfTheSourceSurfacesUnchangedAfterTheChunksBeforeIt() throws IOException {
        IOException failure = new IOException("connection reset");
        InputStream source = new InputStream() {
            private int left = CHUNK + 10;

            @Override
            public int read() throws IOException {
                if (left == 0) {
                    throw failure;
                }
                left--;
                return 'x';
            }
        };
        InputStream in = new ReadAheadInputStream(source, 2, CHUNK);
        // The whole chunk before the failure arrives; the part of a chunk the failure cut short is
        // lost with the stream.
        assertThat(in.readNBytes(CHUNK)).containsOnly('x').hasSize(CHUNK);
        assertThatThrownBy(in::read).isSameAs(failure);
    }

    private static void awaitRead(CountingSource source, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (source.read.get() < bytes && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(source.read.get()).as("bytes read ahead").isGreaterThanOrEqualTo(bytes);
    }
}
