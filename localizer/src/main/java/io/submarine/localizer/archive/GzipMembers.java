package io.submarine.localizer.archive;

import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A gzip stream read as gzip reads it: member after member (pigz and {@code cat a.gz b.gz} write
 * several), and zeros after the last one taken for padding (tape blocking), which gzip and GNU tar
 * accept; anything else after the last member is refused. commons-compress's own concatenated
 * reading refuses the padding too.
 */
final class GzipMembers extends InputStream {

    private final InputStream in;
    private final String fileName;
    private GzipCompressorInputStream member;
    private boolean ended;

    /** @param in the compressed bytes; must support mark, so that each member ends where it ends */
    GzipMembers(InputStream in) throws IOException {
        if (!in.markSupported()) {
            throw new IllegalArgumentException("the gzip input must support mark");
        }
        this.in = in;
        this.member = member(in);
        this.fileName = member.getMetaData().getFileName();
    }

    /** One member, read up to its end and no further. */
    private static GzipCompressorInputStream member(InputStream in) throws IOException {
        return GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(false).get();
    }

    /** The file name the first member's header records, or null. */
    String fileName() {
        return fileName;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            int n = member.read(b, off, len);
            if (n >= 0) {
                return n;
            }
            ended = !nextMember();
        }
        return -1;
    }

    /** Starts the next member; false at the end of the stream (after any zero padding). */
    private boolean nextMember() throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        if (first < 0) {
            return false;
        }
        if (first == 0x1f && second == 0x8b) {
            member = member(in);
            return true;
        }
        for (int b; (b = in.read()) >= 0; ) {
            if (b != 0) {
                throw new IOException("data after the last gzip member that is neither a member nor zero padding");
            }
        }
        return false;
    }
}
