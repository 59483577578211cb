package io.submarine.localizer.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A download stream that computes its SHA-256 and reports what it read to the source's progress. */
final class Digests extends FilterInputStream {

    private final MessageDigest digest;
    private final TransferProgress progress;

    Digests(InputStream in, TransferProgress progress) {
        super(in);
        this.progress = progress;
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
            progress.add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
            progress.add(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Every byte must pass through the digest.
        return Math.max(0, read(new byte[(int) Math.max(0, Math.min(n, 8192))]));
    }

    /** Reads what is left (padding after an archive's end, say), so the digest covers every byte. */
    String finish() throws IOException {
        transferTo(java.io.OutputStream.nullOutputStream());
        return HexFormat.of().formatHex(digest.digest());
    }
}
