package io.submarine.localizer.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A download stream that computes its SHA-256 and logs progress (bytes, rate) every few seconds,
 * so a long transfer is visible in the pod's log.
 */
final class Digests extends FilterInputStream {

    private static final Logger LOG = LoggerFactory.getLogger(Digests.class);
    private static final long PROGRESS_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    private final MessageDigest digest;
    private final String what;
    private final long start = System.nanoTime();
    private long lastLog = start;
    private long bytes;

    Digests(InputStream in, String what) {
        super(in);
        this.what = what;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            digest.update((byte) b);
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
            count(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Every byte must pass through the digest.
        return Math.max(0, read(new byte[(int) Math.max(0, Math.min(n, 8192))]));
    }

    private void count(int n) {
        bytes += n;
        long now = System.nanoTime();
        if (now - lastLog > PROGRESS_EVERY_NANOS) {
            lastLog = now;
            LOG.info("{}: {} MB so far, {} MB/s", what, bytes / 1_000_000, String.format("%.1f", bytes / 1e3 / ((now - start) / 1e6)));
        }
    }

    long bytes() {
        return bytes;
    }

    /** Reads what is left (padding after an archive's end, say), so the digest covers every byte. */
    String finish() throws IOException {
        transferTo(java.io.OutputStream.nullOutputStream());
        return HexFormat.of().formatHex(digest.digest());
    }
}
