package io.submarine.storage.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tool end to end on file:// (real disk) and memory://, through its main entry point. */
class StorageCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream originalOut;

    @BeforeEach
    void captureStdout() {
        originalOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(originalOut);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void copiesListsPrintsAndRemovesAcrossUris() throws Exception {
        Path source = Files.writeString(dir.resolve("notes.txt"), "hello storage");
        String target = "file://" + dir.resolve("out") + "/";
        assertThat(StorageCli.run("copy", source.toString(), target)).isZero();
        assertThat(Files.readString(dir.resolve("out/notes.txt"))).isEqualTo("hello storage");

        assertThat(StorageCli.run("copy", "--recursive", target, "file://" + dir.resolve("mirror") + "/")).isZero();
        assertThat(Files.readString(dir.resolve("mirror/notes.txt"))).isEqualTo("hello storage");

        assertThat(StorageCli.run("ls", target)).isZero();
        assertThat(stdout()).contains("file://" + dir.resolve("out/notes.txt"));

        out.reset();
        assertThat(StorageCli.run("cat", "--offset", "6", "--length", "3", dir.resolve("out/notes.txt").toString())).isZero();
        assertThat(stdout()).isEqualTo("sto");

        assertThat(StorageCli.run("copy", "--if-absent", source.toString(), target)).as("exists").isEqualTo(ExitCode.CONFIG.code());
        assertThat(StorageCli.run("rm", dir.resolve("out/notes.txt").toString(), dir.resolve("out/absent").toString())).isZero();
        assertThat(dir.resolve("out/notes.txt")).doesNotExist();
    }

    @Test
    void selftestRunsOnItsEmbeddedDefaults() {
        assertThat(StorageCli.run("selftest", "--size", "3000000")).isZero();
        assertThat(stdout()).contains("selftest OK on file://", "wrote 3000000 bytes");
    }

    @Test
    void userErrorsHaveDocumentedExitCodes() throws Exception {
        assertThat(StorageCli.run("stat", dir.resolve("missing").toString())).isEqualTo(ExitCode.CONFIG.code());
        assertThat(StorageCli.run("ls", "nosuchscheme://x/")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(StorageCli.run("copy", "only-one-argument")).isEqualTo(ExitCode.CONFIG.code());
        Path object = Files.writeString(dir.resolve("present.txt"), "present");
        assertThat(StorageCli.run("cat", "--offset", "-5", object.toString())).isEqualTo(ExitCode.CONFIG.code());
        assertThat(StorageCli.run("ls", "hdfs:///data/")).as("no name node, none configured").isEqualTo(ExitCode.CONFIG.code());
    }
}
