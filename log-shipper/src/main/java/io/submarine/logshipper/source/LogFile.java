package io.submarine.logshipper.source;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A log file opened for reading: a plain file is read where the follower stands; a compressed one
 * (a rotation logrotate compressed before it was read) through its decompressor, from its start
 * and skipping to the offset asked for. A file is opened once and read through that handle, so a
 * file deleted meanwhile is still read to its end.
 */
final class LogFile implements AutoCloseable {

    enum Compression { GZIP, ZSTD, XZ, BZIP2 }

    private final Path path;
    private final FileChannel channel;
    private final Compression compression;
    private InputStream decompressed;
    private long decompressedOffset;

    private LogFile(Path path, FileChannel channel, Compression compression) {
        this.path = path;
        this.channel = channel;
        this.compression = compression;
    }

    /** Opens {@code file}; throws {@link java.nio.file.NoSuchFileException} if it is gone. */
    static LogFile open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new LogFile(file, channel, compression(channel));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static Compression compression(FileChannel channel) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(6);
        while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
            // Reads the magic bytes, however the channel splits them.
        }
        byte[] magic = head.array();
        int length = head.position();
        if (length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        if (length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X' && magic[4] == 'Z' && magic[5] == 0) {
            return Compression.XZ;
        }
        if (length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            return Compression.BZIP2;
        }
        return null;
    }

    Path path() {
        return path;
    }

    boolean compressed() {
        return compression != null;
    }

    /** The bytes of a plain file now; -1 for a compressed one (its length is known once read). */
    long size() throws IOException {
        return compressed() ? -1 : channel.size();
    }

    /** Reads into {@code buffer} the (decompressed) bytes at {@code offset}; -1 at the end. */
    int read(ByteBuffer buffer, long offset) throws IOException {
        if (!compressed()) {
            return channel.read(buffer, offset);
        }
        if (decompressed == null || offset < decompressedOffset) {
            if (decompressed != null) {
                decompressed.close();
            }
            decompressed = stream();
            decompressedOffset = 0;
        }
        try {
            decompressed.skipNBytes(offset - decompressedOffset);
        } catch (java.io.EOFException shorter) {
            return -1;
        }
        decompressedOffset = offset;
        int read = decompressed.read(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        if (read > 0) {
            buffer.position(buffer.position() + read);
            decompressedOffset += read;
        }
        return read;
    }

    /** The file's first {@code length} (decompressed) bytes, fewer if it is shorter. */
    byte[] head(int length) throws IOException {
        ByteBuffer start = ByteBuffer.allocate(length);
        while (start.hasRemaining() && read(start, start.position()) > 0) {
            // Reads the head, however the file hands it out.
        }
        return Arrays.copyOf(start.array(), start.position());
    }

    /** The file's (decompressed) bytes from its start, through the handle opened; closing the stream leaves the file open. */
    private InputStream stream() throws IOException {
        channel.position(0);
        InputStream raw = new BufferedInputStream(new java.io.FilterInputStream(Channels.newInputStream(channel)) {
            @Override
            public void close() {
                // The file is closed with this LogFile, not with one of its streams.
            }
        }, 64 * 1024);
        if (compression == null) {
            return raw;
        }
        return switch (compression) {
            case GZIP -> new GZIPInputStream(raw, 64 * 1024);
            case ZSTD -> new ZstdInputStream(raw);
            case XZ -> new XZCompressorInputStream(raw);
            case BZIP2 -> new BZip2CompressorInputStream(raw, true);
        };
    }

    @Override
    public void close() throws IOException {
        try {
            if (decompressed != null) {
                decompressed.close();
            }
        } finally {
            channel.close();
        }
    }
}
