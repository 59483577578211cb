package io.submarine.localizer.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * An archive's bytes as the unpacker reads them, telling the two ways a read fails apart: the
 * source failed (a lost connection: worth another attempt, so its exception passes unchanged),
 * or the bytes are wrong (cut short, corrupt, garbage after the end: no attempt will mend them,
 * so an {@link UnsafeArchiveException}, as GNU tar also fails).
 */
final class ContentInputStream extends FilterInputStream {

    private final Source source;
    private final String what;

    ContentInputStream(InputStream in, Source source, String what) {
        super(in);
        this.source = source;
        this.what = what;
    }

    /** {@code e} as the source's own failure if the source failed, else as bad content. */
    static IOException classify(IOException e, Source source, String what) {
        if (e instanceof UnsafeArchiveException || e instanceof InterruptedIOException) {
            return e;
        }
        if (source.failure() != null) {
            return source.failure();
        }
        return new UnsafeArchiveException(what + " is corrupt or cut short: " + e.getMessage(), e);
    }

    @Override
    public int read() throws IOException {
        try {
            return in.read();
        } catch (IOException e) {
            throw classify(e, source, what);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw classify(e, source, what);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return in.skip(n);
        } catch (IOException e) {
            throw classify(e, source, what);
        }
    }

    /** The archive's source, remembering its own failure, so that what it causes above is not taken for bad content. */
    static final class Source extends FilterInputStream {
        /** Written by the read-ahead thread, read by the unpacking one. */
        private volatile IOException failure;

        Source(InputStream in) {
            super(in);
        }

        /** How the source failed (a lost connection, say), or null. */
        IOException failure() {
            return failure;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }
}
