package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source larger than the pod's volume, or a read-only volume: the volume is the pod's
 * configuration, so the run ends at once with a configuration error that says so, not after
 * retries that download it all again, and leaves nothing on the volume. The volume is a real 1 MiB tmpfs, which takes root with the
 * right to mount (CI and the build machines run tests so); elsewhere these tests are skipped.
 */
class FullVolumeTest {

    private static final int BIGGER_THAN_THE_VOLUME = 3 * 1024 * 1024;

    @TempDir
    Path work;

    private Path volume;

    @BeforeEach
    void mountATinyVolume() throws Exception {
        volume = Files.createDirectories(work.resolve("volume"));
        mount("size=1m");
    }

    private void mount(String options) throws Exception {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", volume.toString()).redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(mount.waitFor() == 0, "mounting a 1 MiB tmpfs needs root and the right to mount: " + output);
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", volume.toString()).inheritIO().start().waitFor();
    }

    @Test
    void aReadOnlyVolume() throws Exception {
        mount("remount,ro");
        Path archive = work.resolve("small.tar.gz");
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
            TarArchiveEntry entry = new TarArchiveEntry("README.md");
            entry.setSize(2);
            tar.putArchiveEntry(entry);
            tar.write("hi".getBytes(StandardCharsets.UTF_8));
            tar.closeArchiveEntry();
        }
        assertRefusedAtOnce("Read-only file system", "--type", "archive", "--name", "small", "--url", "file://" + archive);
    }

    @Test
    void anArchiveLargerThanTheVolume() throws Exception {
        Path archive = work.resolve("weights.tar.gz");
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
            byte[] content = incompressible();
            TarArchiveEntry entry = new TarArchiveEntry("weights.bin");
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        assertRefusedAtOnce("No space left on device", "--type", "archive", "--name", "weights", "--url", "file://" + archive);
    }

    @Test
    void aGitRepositoryLargerThanTheVolume() throws Exception {
        Path repo = Files.createDirectories(work.resolve("repo"));
        TestRepos.git(repo, "init", "-q");
        Files.write(repo.resolve("weights.bin"), incompressible());
        TestRepos.git(repo, "add", "-A");
        TestRepos.git(repo, "commit", "-q", "-m", "weights");
        assertRefusedAtOnce("No space left on device", "--url", "file://" + repo, "--name", "weights");
    }

    private void assertRefusedAtOnce(String refusal, String... source) throws IOException {
        LoggedRun run = LoggedRun.of(() -> Localizer.run(Stream.concat(Stream.of("--code-root", volume.toString(), "--models-root",
                volume.resolve("models").toString(), "--max-attempts", "3"), Stream.of(source)).toArray(String[]::new)));
        assertThat(run.exit()).as(run.log()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(run.log()).contains("the volume at " + volume + " refused a write (" + refusal + ")").doesNotContain("attempt 1 of");
        try (Stream<Path> left = Files.list(volume)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).as("nothing left on the volume").isEqualTo(List.of());
        }
    }

    /** Random bytes, which no compression shrinks, a few times the volume's size. */
    private static byte[] incompressible() {
        byte[] bytes = new byte[BIGGER_THAN_THE_VOLUME];
        new Random(11).nextBytes(bytes);
        return bytes;
    }
}
