package io.submarine.localizer.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tar archives with one header field damaged (or written in a rarer form), each made here block
 * by block, and unpacked both by the localizer and by GNU tar ({@code tar -tvf}, {@code tar -xf}):
 * what tar refuses the localizer refuses (exit 5, nothing published), and what tar accepts it
 * unpacks to the same files. The one departure is said where it is.
 */
class TarHeadersTest {

    private static final int BLOCK = 512;
    /** The second header of {@link #twoFiles()}: after the first header and its one block of data. */
    private static final int SECOND_HEADER = 1024;

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = {"a wrong checksum", "a checksum of spaces", "a checksum of NULs", "a size that is not octal", "a negative base-256 size",
        "a member cut short", "a modification time that is not octal", "a mode that is not octal", "a PAX record longer than its header",
        "a PAX record shorter than it says", "a PAX record without a length"})
    void whatGnuTarRefusesIsRefused(String damage) throws Exception {
        byte[] archive = switch (damage) {
            case "a wrong checksum" -> patched(twoFiles(), SECOND_HEADER, 148, checksumPlusOne(twoFiles(), SECOND_HEADER), false);
            case "a checksum of spaces" -> patched(twoFiles(), SECOND_HEADER, 148, "        ".getBytes(StandardCharsets.US_ASCII), false);
            case "a checksum of NULs" -> patched(twoFiles(), SECOND_HEADER, 148, new byte[8], false);
            case "a size that is not octal" -> patched(twoFiles(), SECOND_HEADER, 124, ascii("0000000009\0\0"), true);
            case "a negative base-256 size" -> patched(twoFiles(), SECOND_HEADER, 124, filled(12, 0xff), true);
            case "a member cut short" -> Arrays.copyOf(twoFiles(), SECOND_HEADER + BLOCK + 10);
            case "a modification time that is not octal" -> patched(twoFiles(), SECOND_HEADER, 136, ascii("1234567890x\0"), true);
            case "a mode that is not octal" -> patched(twoFiles(), SECOND_HEADER, 100, ascii("0000999\0"), true);
            case "a PAX record longer than its header" -> concat(pax("99 path=long.txt\n"), file("short.txt", "x\n"), end());
            case "a PAX record shorter than it says" -> concat(pax("10 path=long.txt\n"), file("short.txt", "x\n"), end());
            default -> concat(pax("zz path=long.txt\n"), file("short.txt", "x\n"), end());
        };
        assertThat(gnuTar(archive)).as("GNU tar's exit code for %s", damage).isEqualTo(2);
        assertThatThrownBy(() -> unpack(archive)).as(damage).isInstanceOf(UnsafeArchiveException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a wrong checksum", "a checksum of spaces", "a checksum of NULs"})
    void aHeaderFailingItsChecksumIsNamedByItsOffset(String damage) {
        byte[] field = switch (damage) {
            case "a wrong checksum" -> checksumPlusOne(twoFiles(), SECOND_HEADER);
            case "a checksum of spaces" -> "        ".getBytes(StandardCharsets.US_ASCII);
            default -> new byte[8];
        };
        byte[] archive = patched(twoFiles(), SECOND_HEADER, 148, field, false);
        assertThatThrownBy(() -> unpack(archive)).isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("the tar header at byte " + SECOND_HEADER + " fails its checksum");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a base-256 size", "a PAX path", "a GNU long name", "a GNU sparse file", "a PAX sparse file"})
    void whatGnuTarAcceptsUnpacksToTheSameFiles(String form) throws Exception {
        byte[] archive = switch (form) {
            case "a base-256 size" -> patched(twoFiles(), SECOND_HEADER, 124, base256(12, 36), true);
            case "a PAX path" -> concat(pax("20 path=renamed.txt\n"), file("short.txt", "x\n"), end());
            case "a GNU long name" -> concat(longName("d/" + "x".repeat(150)), file("short", "long\n"), end());
            case "a GNU sparse file" -> sparse("gnu");
            default -> sparse("pax");
        };
        Path byTar = Files.createDirectories(work.resolve("by-tar"));
        assertThat(gnuTar(archive, "-xf", "-", "-C", byTar.toString())).as("GNU tar's exit code for %s", form).isZero();
        Path ours = unpack(archive);
        assertThat(files(ours)).isEqualTo(files(byTar)).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aGnuLongNameWithNoEntryAfterItIsRefusedThoughGnuTarSaysNothing(boolean endBlocks) throws Exception {
        byte[] archive = concat(file("a.txt", "first\n"), longName("x".repeat(150)), endBlocks ? end() : new byte[0]);
        // GNU tar unpacks a.txt and exits 0. But a header naming an entry that never comes is an
        // archive cut short or badly written: published as complete, a file would be missing unnoticed.
        assertThat(gnuTar(archive)).isZero();
        assertThatThrownBy(() -> unpack(archive)).isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("is not followed by the entry it names");
    }

    private Path unpack(byte[] archive) throws IOException {
        Path target = Files.createDirectories(work.resolve("ours"));
        new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(archive), "made.tar", target);
        return target;
    }

    /** Runs GNU tar on {@code archive} from its standard input: {@code -tvf -} unless told otherwise. */
    private int gnuTar(byte[] archive, String... arguments) throws Exception {
        Path file = Files.write(work.resolve("archive-" + System.nanoTime() + ".tar"), archive);
        String[] command = Stream.concat(Stream.of("tar"), Stream.of(arguments.length == 0 ? new String[] {"-tvf", "-"} : arguments)).toArray(String[]::new);
        Process tar = new ProcessBuilder(command).redirectInput(file.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        return tar.waitFor();
    }

    private static Map<String, String> files(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(file);
                files.put(root.relativize(file).toString(), content.length + " bytes, hash " + Arrays.hashCode(content));
            }
        }
        return files;
    }

    /** a.txt and b.txt, ustar, with end blocks: the second header at {@link #SECOND_HEADER}. */
    private static byte[] twoFiles() {
        return concat(file("a.txt", "first\n"), file("b.txt", "second file\n".repeat(3)), end());
    }

    private static byte[] file(String name, String content) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        return concat(header(name, TarConstants.LF_NORMAL, data.length), padded(data));
    }

    private static byte[] pax(String records) {
        byte[] data = records.getBytes(StandardCharsets.UTF_8);
        return concat(header("PaxHeaders/short.txt", TarConstants.LF_PAX_EXTENDED_HEADER_LC, data.length), padded(data));
    }

    private static byte[] longName(String name) {
        byte[] data = (name + "\0").getBytes(StandardCharsets.UTF_8);
        return concat(header(TarConstants.GNU_LONGLINK, TarConstants.LF_GNUTYPE_LONGNAME, data.length), padded(data));
    }

    private static byte[] header(String name, byte type, long size) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setSize(size);
        entry.setMode(0100644);
        entry.setModTime(1_700_000_000_000L);
        byte[] block = new byte[BLOCK];
        entry.writeEntryHeader(block);
        return block;
    }

    /** A 1 MiB file with five bytes in its middle, archived by GNU tar itself as a sparse file in {@code format}. */
    private byte[] sparse(String format) throws Exception {
        Path dir = Files.createDirectories(work.resolve("sparse-source"));
        try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(dir.resolve("sparse.bin"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.write(java.nio.ByteBuffer.wrap(ascii("hello")), 500_000);
            file.truncate(1 << 20);
            file.write(java.nio.ByteBuffer.wrap(new byte[] {'!'}), (1 << 20) - 1);
        }
        Path archive = work.resolve("sparse-" + format + ".tar");
        Process tar = new ProcessBuilder("tar", "--sparse", "--format=" + format, "-cf", archive.toString(), "-C", dir.toString(), "sparse.bin")
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor()).as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        return Files.readAllBytes(archive);
    }

    /** {@code tar} with {@code field} written at {@code offset} of the header at {@code header}, its checksum made right again if asked. */
    private static byte[] patched(byte[] tar, int header, int offset, byte[] field, boolean fixChecksum) {
        byte[] copy = tar.clone();
        System.arraycopy(field, 0, copy, header + offset, field.length);
        if (fixChecksum) {
            Arrays.fill(copy, header + 148, header + 156, (byte) ' ');
            long sum = 0;
            for (int i = header; i < header + BLOCK; i++) {
                sum += copy[i] & 0xff;
            }
            System.arraycopy(ascii(String.format("%06o\0 ", sum)), 0, copy, header + 148, 8);
        }
        return copy;
    }

    /** The header's stored checksum with its last digit changed. */
    private static byte[] checksumPlusOne(byte[] tar, int header) {
        byte[] field = Arrays.copyOfRange(tar, header + 148, header + 156);
        field[5] = (byte) (field[5] == '7' ? '6' : field[5] + 1);
        return field;
    }

    private static byte[] base256(int length, long value) {
        byte[] field = new byte[length];
        for (int i = length - 1; i > 0; i--, value >>>= 8) {
            field[i] = (byte) value;
        }
        field[0] = (byte) 0x80;
        return field;
    }

    private static byte[] filled(int length, int value) {
        byte[] field = new byte[length];
        Arrays.fill(field, (byte) value);
        return field;
    }

    private static byte[] end() {
        return new byte[2 * BLOCK];
    }

    private static byte[] padded(byte[] data) {
        return Arrays.copyOf(data, (data.length + BLOCK - 1) / BLOCK * BLOCK);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
