package io.submarine.localizer.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real hostile and awkward archives in test resources (see their README), each with its
 * expected result, and archives built here in every format, detected by content alone.
 */
class ArchiveUnpackerTest {

    @TempDir
    Path work;

    private Path target;
    private Path outside;

    @BeforeEach
    void directories() throws IOException {
        target = Files.createDirectories(work.resolve("sandbox/target"));
        outside = work.resolve("sandbox");
    }

    private ArchiveUnpacker.Result unpack(String resource) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/testdata/archives/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            return new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(in, resource, target);
        }
    }

    /** Everything under the sandbox except the target: must stay empty. */
    private List<Path> writtenOutsideTarget() throws IOException {
        try (Stream<Path> all = Files.walk(outside)) {
            return all.filter(p -> !p.startsWith(target) && !p.equals(outside)).toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "snyk_zip-slip/zip-slip.tar", "snyk_zip-slip/zip-slip.zip", "snyk_zip-slip/zip-slip-win.tar", "snyk_zip-slip/zip-slip-win.zip",
        "tarsafe_bad/absolute1.tar", "tarsafe_bad/absolute2.tar", "tarsafe_bad/relative0.tar", "tarsafe_bad/relative2.tar",
        "tarsafe_bad/relative-deep.tar", "tarsafe_bad/symlink.tar", "tarsafe_bad/dirsymlink.tar", "tar-rs/empty_filename.tar"})
    void hostileArchivesAreRejectedAndNothingLandsOutside(String archive) throws IOException {
        assertThatThrownBy(() -> unpack(archive)).isInstanceOf(UnsafeArchiveException.class)
                .hasMessageMatching("(?s).*(absolute|'\\.\\.'|outside|symbolic link|empty file name).*");
        assertThat(writtenOutsideTarget()).isEmpty();
        assertThat(Path.of("/tmp/moo")).as("tarsafe's escape target").doesNotExist();
    }

    @Test
    void anOrdinaryTarUnpacksExactly() throws IOException {
        ArchiveUnpacker.Result result = unpack("tarsafe_good/archive.tar");
        assertThat(result.format()).isEqualTo("tar");
        assertThat(Files.readString(target.resolve("evil.sh"))).hasSize(27);
        assertThat(result.files()).isEqualTo(1);
    }

    @Test
    void gnuLongNamesAndPaxHeadersAreHonoured() throws IOException {
        unpack("tar-rs/gnu-longname.tar");
        assertThat(target.resolve("1234567890".repeat(20))).isRegularFile();
        unpack("tar-rs/pax.tar");
        assertThat(target.resolve("Cargo.toml")).hasSize(760);
        assertThat(target.resolve("src/lib.rs")).hasSize(2390);
        unpack("tar-rs/7z_long_path.tar");
        assertThat(target.resolve("this_is_a_folder_with_a_name_that_just_keeps_going_on_and_on_and_on_it_is_a_very_very_long_folder_name/test.txt")).isRegularFile();
    }

    @Test
    void linksInsideTheTargetAreKept() throws IOException {
        unpack("tar-rs/link.tar");
        assertThat(Files.isSymbolicLink(target.resolve("lnk"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("lnk"))).isEqualTo(Path.of("file"));
        assertThat(Files.readString(target.resolve("lnk"))).hasSize(14);

        Files.walk(target).sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(target)).forEach(p -> p.toFile().delete());
        unpack("tar-rs/hard_link.tar");
        assertThat(Files.readString(target.resolve("link"))).isEqualTo(Files.readString(target.resolve("file")));
        assertThat(Files.getAttribute(target.resolve("link"), "unix:nlink")).isEqualTo(2);
    }

    @Test
    void aDanglingRelativeSymlinkInAZipStaysInside() throws IOException {
        unpack("zip2/symlink.zip");
        Path link = target.resolve("bar");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(target.resolve(Files.readSymbolicLink(link)).normalize().startsWith(target)).isTrue();
        assertThat(Files.exists(link)).as("dangling").isFalse();
    }

    @Test
    void aTarMissingItsEndBlocksUnpacksWhatItHas() throws IOException {
        unpack("tar-rs/simple_missing_last_header.tar");
        assertThat(target.resolve("a")).exists();
        assertThat(target.resolve("b")).exists();
        assertThat(target.resolve("c")).exists();
    }

    // --- archives built here ---

    private static byte[] tar(Function<OutputStream, OutputStream> compressor, TarEntry... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream compressed = compressor.apply(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarEntry e : entries) {
                TarArchiveEntry entry;
                if (e.link() != null) {
                    entry = new TarArchiveEntry(e.name(), e.type());
                    entry.setLinkName(e.link());
                } else {
                    entry = new TarArchiveEntry(e.name());
                    entry.setSize(e.content().length);
                    entry.setMode(e.mode());
                }
                tar.putArchiveEntry(entry);
                if (e.link() == null) {
                    tar.write(e.content());
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    record TarEntry(String name, byte[] content, int mode, String link, byte type) {
        static TarEntry file(String name, String content) {
            return new TarEntry(name, content.getBytes(StandardCharsets.UTF_8), 0100644, null, (byte) 0);
        }

        static TarEntry executable(String name, String content) {
            return new TarEntry(name, content.getBytes(StandardCharsets.UTF_8), 0100755, null, (byte) 0);
        }

        static TarEntry symlink(String name, String link) {
            return new TarEntry(name, new byte[0], 0, link, TarArchiveEntry.LF_SYMLINK);
        }
    }

    private static OutputStream uncheckedly(IoFunction function, OutputStream out) {
        try {
            return function.apply(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    interface IoFunction {
        OutputStream apply(OutputStream out) throws IOException;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tar", "tar+gz", "tar+bzip2", "tar+xz", "tar+zstd"})
    void everyTarFormatIsDetectedByContentAndKeepsExecutableBits(String format) throws IOException {
        Function<OutputStream, OutputStream> compressor = switch (format) {
            case "tar" -> out -> out;
            case "tar+gz" -> out -> uncheckedly(GzipCompressorOutputStream::new, out);
            case "tar+bzip2" -> out -> uncheckedly(BZip2CompressorOutputStream::new, out);
            case "tar+xz" -> out -> uncheckedly(XZCompressorOutputStream::new, out);
            default -> out -> uncheckedly(ZstdCompressorOutputStream::new, out);
        };
        byte[] archive = tar(compressor, TarEntry.file("repo/README.md", "hello"), TarEntry.executable("repo/bin/run.sh", "#!/bin/sh\n"),
                TarEntry.symlink("repo/docs", "README.md"));
        // A misleading name: the format comes from the bytes.
        ArchiveUnpacker unpacker = new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 1);
        ArchiveUnpacker.Result result = unpacker.unpack(new java.io.ByteArrayInputStream(archive), "misleading.zip", target);
        assertThat(result.format()).isEqualTo(format);
        assertThat(unpacker.filesUnpacked()).as("files, for progress").isEqualTo(result.files()).isEqualTo(2);
        assertThat(Files.readString(target.resolve("README.md"))).isEqualTo("hello");
        assertThat(Files.getPosixFilePermissions(target.resolve("bin/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(target.resolve("README.md"))).doesNotContain(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.readSymbolicLink(target.resolve("docs"))).isEqualTo(Path.of("README.md"));
    }

    private static Function<OutputStream, OutputStream> compressor(String format) {
        return format.equals("tar") ? out -> out : out -> uncheckedly(GzipCompressorOutputStream::new, out);
    }

    private static byte[] compressed(String format, byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream compressing = compressor(format).apply(out)) {
            compressing.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static TarEntry randomFile(String name, int size, long seed) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return new TarEntry(name, content, 0100644, null, (byte) 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tar", "tar+gz"})
    void returnsOnlyOnceItHasReadTheSourceToItsEnd(String format) throws IOException {
        // Bytes after the tar's end (record padding, junk; inside the gzip stream for tar+gz):
        // the caller's digest of the source must cover them, and the unpacker's reading threads
        // must be done with the source before the caller reads on.
        byte[] junk = new byte[3 << 20];
        Arrays.fill(junk, (byte) 7);
        InputStream source = new ByteArrayInputStream(compressed(format, concat(tar(out -> out, TarEntry.file("a.txt", "a")), junk)));

        new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(source, "a.tar", target);

        assertThat(source.read()).isEqualTo(-1);
        assertThat(target.resolve("a.txt")).hasContent("a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tar.gz cut short", "tar.gz cut short in its first entry", "tar cut short in an entry", "garbage after the gzip stream"})
    void anArchiveCutShortOrCorruptIsBadContentNotALostConnection(String damage) throws IOException {
        // Read from a file, such an archive fails the same way on every attempt; GNU tar fails on each.
        byte[] tarGz = tar(compressor("tar+gz"), TarEntry.file("small.txt", "a"), randomFile("big.bin", 200_000, 1));
        byte[] tar = tar(out -> out, randomFile("big.bin", 200_000, 1));
        byte[] archive = switch (damage) {
            case "tar.gz cut short" -> Arrays.copyOf(tarGz, tarGz.length / 2);
            case "tar.gz cut short in its first entry" -> Arrays.copyOf(tarGz, 40);
            case "tar cut short in an entry" -> Arrays.copyOf(tar, 100_000);
            default -> concat(tarGz, "not gzip".getBytes(StandardCharsets.US_ASCII));
        };
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(archive), "a.tar.gz", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("corrupt or cut short");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 700, 5_000, 100_000})
    void aSourceThatFailsIsNotTakenForBadContent(int failAfter) throws IOException {
        // A connection lost before the first byte, in a header, between entries, in an entry:
        // the source's own exception reaches the caller, who may try again.
        IOException lost = new IOException("connection reset");
        for (String format : List.of("tar", "tar+gz")) {
            byte[] archive = tar(compressor(format), TarEntry.file("small.txt", "a"), randomFile("big.bin", 200_000, 2));
            InputStream source = new FilterInputStream(new ByteArrayInputStream(archive, 0, Math.min(failAfter, archive.length))) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n < 0) {
                        throw lost;
                    }
                    return n;
                }

                @Override
                public int read() throws IOException {
                    int n = super.read();
                    if (n < 0) {
                        throw lost;
                    }
                    return n;
                }
            };
            Path into = Files.createDirectories(work.resolve(format + "-" + failAfter));
            assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(source, "a.tar", into)).as(format).isSameAs(lost);
        }
    }

    @Test
    void aZipUnpacksWithItsModes() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            ZipArchiveEntry script = new ZipArchiveEntry("model/serve.sh");
            script.setUnixMode(0100755);
            zip.putArchiveEntry(script);
            zip.write("#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
            zip.putArchiveEntry(new ZipArchiveEntry("model/weights.bin"));
            zip.write(new byte[] {1, 2, 3});
            zip.closeArchiveEntry();
        }
        ArchiveUnpacker.Result result = new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0)
                .unpack(new java.io.ByteArrayInputStream(bytes.toByteArray()), "model.tar", target);
        assertThat(result.format()).isEqualTo("zip");
        assertThat(target.resolve("model/weights.bin")).hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(Files.getPosixFilePermissions(target.resolve("model/serve.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.list(work.resolve("sandbox")).filter(p -> p.getFileName().toString().startsWith(".zip-spool"))).isEmpty();
    }

    @Test
    void aSingleGzipFileIsDecompressedUnderItsName() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GzipParameters parameters = new GzipParameters();
        parameters.setFileName("train.csv");
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes, parameters)) {
            gz.write("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
        }
        ArchiveUnpacker.Result result = new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0)
                .unpack(new java.io.ByteArrayInputStream(bytes.toByteArray()), "x.gz", target);
        assertThat(result.format()).isEqualTo("file+gz");
        assertThat(Files.readString(target.resolve("train.csv"))).isEqualTo("a,b\n1,2\n");
    }

    @Test
    void aSymlinkChainThatClimbsOutIsRejected() throws IOException {
        // "up" -> "." is inside; "up/../escape" is inside by text but leads above the target.
        byte[] archive = tar(out -> out, TarEntry.symlink("up", "."), TarEntry.symlink("escape", "up/../outside-file"));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new java.io.ByteArrayInputStream(archive), "a.tar", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("points outside");
    }

    @Test
    void aLinkMayNotReplaceADirectoryOthersWriteInto() throws IOException {
        // "dir" becomes a directory, then a link to outside; a later "dir/x" would follow it.
        byte[] archive = tar(out -> out, TarEntry.file("dir/a", "1"), TarEntry.symlink("dir", "."), TarEntry.file("dir/x", "2"));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new java.io.ByteArrayInputStream(archive), "a.tar", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("would replace a directory");
    }

    @Test
    void limitsStopBombsAndFloods() throws IOException {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bomb))) {
            TarArchiveEntry zeros = new TarArchiveEntry("zeros.bin");
            zeros.setSize(200L << 20);
            tar.putArchiveEntry(zeros);
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 200; i++) {
                tar.write(block);
            }
            tar.closeArchiveEntry();
        }
        ArchiveLimits ratio = new ArchiveLimits(1L << 40, 1000, 4096, 64, 100);
        assertThatThrownBy(() -> new ArchiveUnpacker(ratio, 0).unpack(new java.io.ByteArrayInputStream(bomb.toByteArray()), "bomb.tgz", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("expands more than 100 times");

        byte[] many = tar(out -> out, TarEntry.file("a", "1"), TarEntry.file("b", "2"), TarEntry.file("c", "3"));
        ArchiveLimits twoEntries = new ArchiveLimits(1L << 40, 2, 4096, 64, 1000);
        assertThatThrownBy(() -> new ArchiveUnpacker(twoEntries, 0).unpack(new java.io.ByteArrayInputStream(many), "m.tar", work.resolve("sandbox").resolve("target")))
                .hasMessageContaining("more than 2 entries");

        byte[] deep = tar(out -> out, TarEntry.file("a/b/c/d/e", "x"));
        ArchiveLimits shallow = new ArchiveLimits(1L << 40, 10, 4096, 3, 1000);
        assertThatThrownBy(() -> new ArchiveUnpacker(shallow, 0).unpack(new java.io.ByteArrayInputStream(deep), "d.tar", target))
                .hasMessageContaining("nested deeper than 3");

        ArchiveLimits small = new ArchiveLimits(4, 10, 4096, 64, 1000);
        assertThatThrownBy(() -> new ArchiveUnpacker(small, 0).unpack(new java.io.ByteArrayInputStream(tar(out -> out, TarEntry.file("big", "12345"))), "s.tar", target))
                .hasMessageContaining("more than 4 bytes");
    }

    @Test
    void theRatioLimitCountsWhatWasDecompressedNotWhatWasReadAhead() throws IOException {
        // 48 MiB that compresses about 4 times, against a limit of 2: it must stop soon after the
        // 16 MiB of grace, not once the 8 MiB of compressed bytes read ahead have been granted too.
        byte[] letters = new byte[48 << 20];
        Random random = new Random(3);
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (byte) "acgt".charAt(random.nextInt(4));
        }
        byte[] archive = tar(compressor("tar+gz"), new TarEntry("genome.txt", letters, 0100644, null, (byte) 0));
        ArchiveLimits ratio = new ArchiveLimits(1L << 40, 1000, 4096, 64, 2);
        assertThatThrownBy(() -> new ArchiveUnpacker(ratio, 0).unpack(new ByteArrayInputStream(archive), "genome.tgz", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("expands more than 2 times");
        assertThat(Files.size(target.resolve("genome.txt"))).isLessThan(24L << 20);
    }

    @Test
    void aWebPageInPlaceOfTheArchiveIsSaidToBeOne() {
        // A sign-in page served with status 200 by a proxy or a storage console link.
        byte[] page = "\n<!DOCTYPE html><html><body>Sign in</body></html>".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(page), "model.tar.gz", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("not an archive").hasMessageContaining("it is an HTML page")
                .hasMessageNotContaining("Sign in");
        byte[] error = "{\"error\": \"not found\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(error), "model.tar.gz", target))
                .hasMessageContaining("it is JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"C:\\Windows\\evil.txt", "c:/evil.txt", "Z:evil.txt"})
    void aWindowsAbsolutePathIsRefused(String name) throws IOException {
        byte[] archive = tar(out -> out, TarEntry.file(name, "x"));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(archive), "w.tar", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("absolute path");
        // A colon elsewhere is an ordinary character of a name.
        byte[] fine = tar(out -> out, TarEntry.file("logs/12:00.txt", "x"), TarEntry.file("1:2", "y"));
        new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(fine), "f.tar", target);
        assertThat(target.resolve("logs/12:00.txt")).hasContent("x");
        assertThat(target.resolve("1:2")).hasContent("y");
    }

    @Test
    void aLaterEntryReplacesAnEarlierFileButNeverALinkOrADirectory() throws IOException {
        // As tar appends a newer copy of a file: the last one wins.
        byte[] updated = tar(out -> out, TarEntry.file("config.yaml", "old"), TarEntry.file("dir/a", "1"), TarEntry.file("config.yaml", "new"));
        new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(updated), "u.tar", target);
        assertThat(target.resolve("config.yaml")).hasContent("new");

        Path second = Files.createDirectories(work.resolve("second"));
        byte[] overLink = tar(out -> out, TarEntry.symlink("link", "config.yaml"), TarEntry.file("link", "through"));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(overLink), "l.tar", second))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("would replace the symbolic link");

        Path third = Files.createDirectories(work.resolve("third"));
        byte[] overDirectory = tar(out -> out, TarEntry.file("dir/a", "1"), TarEntry.file("dir", "flat"));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(overDirectory), "d.tar", third))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("would replace a directory");

        Path fourth = Files.createDirectories(work.resolve("fourth"));
        byte[] dirOverFile = tar(out -> out, TarEntry.file("data", "flat"), TarEntry.file("data/x", "1"));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(dirOverFile), "f.tar", fourth))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("needs data to be a directory, but it is a file");
    }

    @Test
    void gzipIsReadAsGzipReadsIt() throws IOException {
        // Several members (as pigz, or cat a.gz b.gz, write them), the tar split across them.
        byte[] tar = tar(out -> out, TarEntry.file("a.txt", "a"), randomFile("big.bin", 100_000, 4));
        int half = tar.length / 2;
        byte[] members = concat(compressed("tar+gz", Arrays.copyOf(tar, half)), compressed("tar+gz", Arrays.copyOfRange(tar, half, tar.length)));
        new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(members), "m.tgz", target);
        assertThat(Files.size(target.resolve("big.bin"))).isEqualTo(100_000);

        // Zeros after the last member (tape padding): accepted by gzip and GNU tar, so here too.
        Path padded = Files.createDirectories(work.resolve("padded"));
        InputStream source = new ByteArrayInputStream(concat(compressed("tar+gz", tar), new byte[10_240]));
        new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(source, "p.tgz", padded);
        assertThat(padded.resolve("a.txt")).hasContent("a");
        assertThat(source.read()).isEqualTo(-1);

        // Anything else after it is not gzip.
        Path junk = Files.createDirectories(work.resolve("junk"));
        byte[] zerosThenJunk = concat(compressed("tar+gz", tar), concat(new byte[100], new byte[] {1}));
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0).unpack(new ByteArrayInputStream(zerosThenJunk), "j.tgz", junk))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("corrupt or cut short");
    }

    @Test
    void plainBytesAreNotAnArchive() {
        assertThatThrownBy(() -> new ArchiveUnpacker(ArchiveLimits.DEFAULTS, 0)
                .unpack(new java.io.ByteArrayInputStream("just text".getBytes(StandardCharsets.UTF_8)), "notes.txt", target))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("not an archive");
        assertThat(Files.exists(target.resolve("notes.txt"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
