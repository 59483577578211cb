package io.submarine.logsegment;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BoundedInputStream;
import io.submarine.storage.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How a segment is stored: its log bytes compressed, followed by its {@link SegmentIndex} in a
 * part every standard decompressor skips (a zstd skippable frame; an empty gzip member whose
 * comment is the index). So {@code zstd -d} or {@code gunzip} give exactly the log bytes, and
 * the object alone says what it holds: there is no second object that a crash could separate
 * from it.
 *
 * <p>The index ends with a fixed-length marker giving its length, so a reader finds it with one
 * ranged read of the object's tail.
 */
public enum SegmentFormat {
    ZSTD(".log.zst", new byte[0]),
    /** Trailer after the comment: its terminator, an empty final deflate block, CRC32 and size of nothing. */
    GZIP(".log.gz", new byte[] {0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0});

    private static final String MARKER_FORMAT = "\n#submarine-index %010d\n";
    private static final int MARKER_LENGTH = String.format(MARKER_FORMAT, 0).length();
    private static final Pattern MARKER = Pattern.compile("\n#submarine-index (\\d{10})\n");
    private static final Pattern NAME = Pattern.compile("(\\d{10})(\\.log\\.zst|\\.log\\.gz)");
    private static final int ZSTD_SKIPPABLE_MAGIC = 0x184D2A50;
    /**
     * zstd's compression threads: one more than the cores, as with {@code make -j}, so a job is
     * queued for the core the writer frees while it waits for the oldest one; at most three (over
     * 400 MB/s at level 1; each adds a few MiB of buffers).
     */
    private static final int ZSTD_WORKERS = Math.min(3, Runtime.getRuntime().availableProcessors() + 1);

    private final String suffix;
    private final byte[] trailer;

    SegmentFormat(String suffix, byte[] trailer) {
        this.suffix = suffix;
        this.trailer = trailer;
    }

    public static SegmentFormat of(String name) {
        return switch (name) {
            case "zstd" -> ZSTD;
            case "gzip" -> GZIP;
            default -> throw new IllegalArgumentException("compression must be zstd or gzip, got '" + name + "'");
        };
    }

    /** The object name of segment {@code sequence}: zero-padded, so names sort as sequences do. */
    public String objectName(long sequence) {
        return String.format("%010d%s", sequence, suffix);
    }

    /** The sequence number of a segment object's name, if it is one. */
    public static Optional<Long> sequenceOf(String objectName) {
        Matcher matcher = NAME.matcher(objectName);
        return matcher.matches() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
    }

    /** The format of a segment object's name. */
    public static Optional<SegmentFormat> ofObjectName(String objectName) {
        for (SegmentFormat format : values()) {
            if (objectName.endsWith(format.suffix)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }

    /** A compressing stream over {@code raw}; closing it finishes the compressed part but leaves {@code raw} open. */
    public OutputStream compressor(OutputStream raw) throws IOException {
        OutputStream unclosable = new java.io.FilterOutputStream(raw) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        return switch (this) {
            case ZSTD -> new ZstdOutputStream(unclosable, 1).setWorkers(ZSTD_WORKERS);
            // Sync flush: flush() makes all bytes so far decompressible (see syncedBytes).
            case GZIP -> new GZIPOutputStream(unclosable, 64 * 1024, true) {
                {
                    def.setLevel(Deflater.BEST_SPEED);
                }
            };
        };
    }

    /**
     * The log bytes of an unsealed segment file, as far as its first {@code length} bytes hold
     * them: a prefix written up to a {@link SegmentWriter#sync}, whose compressed stream is not
     * finished (zstd's frame has no last block; gzip's member no trailer).
     */
    public InputStream syncedBytes(Path file, long length) throws IOException {
        InputStream prefix = new BoundedInputStream(Files.newInputStream(file), length);
        try {
            return switch (this) {
                case ZSTD -> new ZstdInputStream(prefix).setContinuous(true);
                case GZIP -> new GZIPInputStream(prefix, 64 * 1024);
            };
        } catch (IOException | RuntimeException e) {
            prefix.close();
            throw e;
        }
    }

    /** Writes {@code index} after the compressed part. */
    public void writeIndex(OutputStream raw, SegmentIndex index) throws IOException {
        byte[] json = SegmentJson.writeIndex(index);
        byte[] marker = String.format(MARKER_FORMAT, json.length).getBytes(StandardCharsets.US_ASCII);
        switch (this) {
            case ZSTD -> {
                ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                header.putInt(ZSTD_SKIPPABLE_MAGIC).putInt(json.length + marker.length);
                raw.write(header.array());
            }
            case GZIP -> raw.write(new byte[] {0x1f, (byte) 0x8b, 8, 0x10, 0, 0, 0, 0, 0, (byte) 255});
        }
        raw.write(json);
        raw.write(marker);
        raw.write(trailer);
    }

    /** Reads the index of the segment object at {@code location}, {@code size} bytes long. */
    public SegmentIndex readIndex(BlobStore store, Location location, long size) throws IOException {
        return readIndex(location.toString(), size, (offset, length) -> {
            try (InputStream in = store.open(location, offset, length)) {
                return in.readNBytes(length);
            }
        });
    }

    /** Reads the index of a sealed segment file in the local spool. */
    public SegmentIndex readIndex(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readIndex(file.toString(), channel.size(), (offset, length) -> {
                ByteBuffer range = ByteBuffer.allocate(length);
                while (range.hasRemaining() && channel.read(range, offset + range.position()) > 0) {
                    // Reads the range, however the channel splits it.
                }
                return java.util.Arrays.copyOf(range.array(), range.position());
            });
        }
    }

    /** Reads {@code length} bytes at {@code offset}, fewer if the segment ends first. */
    @FunctionalInterface
    private interface RangeReader {
        byte[] read(long offset, int length) throws IOException;
    }

    private SegmentIndex readIndex(String segment, long size, RangeReader reader) throws IOException {
        int tail = MARKER_LENGTH + trailer.length;
        if (size < tail) {
            throw new IOException(segment + " is too short to be a segment (" + size + " bytes)");
        }
        byte[] end = readRange(reader, segment, size - tail, tail);
        Matcher matcher = MARKER.matcher(new String(end, 0, MARKER_LENGTH, StandardCharsets.US_ASCII));
        if (!matcher.matches()) {
            throw new IOException(segment + " has no segment index at its end; it was not written by log-shipper");
        }
        int length = Integer.parseInt(matcher.group(1));
        if (length > size - tail) {
            throw new IOException(segment + " has a damaged segment index");
        }
        byte[] json = readRange(reader, segment, size - tail - length, length);
        try {
            return SegmentJson.readIndex(json);
        } catch (IOException e) {
            throw new IOException(segment + " has a damaged segment index: " + e.getMessage(), e);
        }
    }

    private static byte[] readRange(RangeReader reader, String segment, long offset, int length) throws IOException {
        byte[] bytes = reader.read(offset, length);
        if (bytes.length != length) {
            throw new IOException(segment + " ended before its segment index");
        }
        return bytes;
    }
}
