package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.log.Redactor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The localizer end to end through its entry point, with real files, an HTTP server and git repositories. */
class LocalizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private Path code;
    private Path models;

    @BeforeEach
    void roots() {
        code = work.resolve("code");
        models = work.resolve("models");
    }

    private int localize(String... args) {
        List<String> all = new ArrayList<>(List.of("--code-root", code.toString(), "--models-root", models.toString()));
        all.addAll(List.of(args));
        return Localizer.run(all.toArray(String[]::new));
    }

    private static byte[] tarGz(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(content.length);
                entry.setMode(file.getKey().endsWith(".sh") ? 0100755 : 0100644);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private List<String> hiddenLeftovers(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(parent)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.contains(".staging-") || n.contains(".old-")).toList();
        }
    }

    @Test
    void archiveWithItsDigestIsPutInPlaceAndRecorded() throws Exception {
        byte[] archive = tarGz(Map.of("project/train.py", "print(1)\n", "project/bin/run.sh", "#!/bin/sh\n"));
        Path file = Files.write(work.resolve("project.tar.gz"), archive);
        assertThat(localize("--type", "archive", "--url", "file://" + file, "--sha256", sha256(archive), "--strip-components", "1")).isZero();

        Path target = code.resolve("project");
        assertThat(Files.readString(target.resolve("train.py"))).isEqualTo("print(1)\n");
        assertThat(Files.getPosixFilePermissions(target.resolve("bin/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        JsonNode record = JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0);
        assertThat(record.path("name").asText()).isEqualTo("project");
        assertThat(record.path("revision").asText()).isEqualTo("sha256:" + sha256(archive));
        assertThat(record.path("files").asLong()).isEqualTo(2);
        assertThat(hiddenLeftovers(code)).isEmpty();

        // The digest as the record has it, or in capitals, is the same digest.
        String recorded = record.path("revision").asText();
        assertThat(localize("--type", "archive", "--name", "again", "--url", "file://" + file, "--sha256", recorded)).isZero();
        assertThat(localize("--type", "archive", "--name", "capitals", "--url", "file://" + file, "--sha256", sha256(archive).toUpperCase(java.util.Locale.ROOT))).isZero();
    }

    @Test
    void aRecordLeftHalfWrittenByAKilledRunIsCleared() throws Exception {
        Files.createDirectories(code);
        Path leftover = Files.writeString(code.resolve(".localized-8641.json"), "{\"sources\": [");
        Path file = Files.write(work.resolve("data.tar.gz"), tarGz(Map.of("a.txt", "a")));
        assertThat(localize("--type", "archive", "--url", "file://" + file)).isZero();
        assertThat(leftover).doesNotExist();
        assertThat(code.resolve(".localized.json")).exists();
    }

    @Test
    void aChecksumMismatchPutsNothingInPlace() throws Exception {
        Path file = Files.write(work.resolve("data.tar.gz"), tarGz(Map.of("a.txt", "a")));
        assertThat(localize("--type", "archive", "--url", "file://" + file, "--sha256", "0".repeat(64))).isEqualTo(ExitCode.CHECKSUM.code());
        assertThat(code.resolve("data")).doesNotExist();
        assertThat(hiddenLeftovers(code)).isEmpty();
    }

    @Test
    void anArchiveCutShortFailsAtOnceWithNothingInPlace() throws Exception {
        // A file that ends early (an upload cut short) ends the same way on every attempt. It was
        // once put in place as one empty file, exit 0, when it ended within its first megabyte.
        byte[] archive = tarGz(Map.of("train.py", "print(1)\n"));
        Path file = Files.write(work.resolve("project.tar.gz"), Arrays.copyOf(archive, archive.length / 2));
        LoggedRun run = LoggedRun.of(() -> localize("--type", "archive", "--url", "file://" + file, "--max-attempts", "3"));
        assertThat(run.exit()).isEqualTo(ExitCode.INVALID_CONTENT.code());
        assertThat(run.log()).contains("corrupt or cut short").doesNotContain("retrying");
        assertThat(code.resolve("project")).doesNotExist();
        assertThat(hiddenLeftovers(code)).isEmpty();
    }

    @Test
    void aTarHeaderFailingItsChecksumFailsAtOnceWithItsOffsetAndNothingInPlace() throws Exception {
        byte[] tar = new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(new java.io.ByteArrayInputStream(
                tarGz(new java.util.LinkedHashMap<>(Map.of("train.py", "print(1)\n"))))).readAllBytes();
        byte[] two = Arrays.copyOf(tar, tar.length + 1024);
        // A second member after the first (header and one block of data), its checksum's last digit changed.
        System.arraycopy(tar, 0, two, 1024, 512);
        two[1024 + 153] = (byte) (two[1024 + 153] == '7' ? '6' : two[1024 + 153] + 1);
        Path file = Files.write(work.resolve("project.tar"), two);
        LoggedRun run = LoggedRun.of(() -> localize("--type", "archive", "--url", "file://" + file, "--max-attempts", "3"));
        assertThat(run.exit()).isEqualTo(ExitCode.INVALID_CONTENT.code());
        assertThat(run.log()).contains("the tar header at byte 1024 fails its checksum").doesNotContain("retrying");
        assertThat(code.resolve("project")).doesNotExist();
        assertThat(hiddenLeftovers(code)).isEmpty();
    }

    @Test
    void aHostileArchiveIsRefusedWithNothingWritten() throws Exception {
        Path hostile = work.resolve("zip-slip.tar");
        try (InputStream in = getClass().getResourceAsStream("/testdata/archives/snyk_zip-slip/zip-slip.tar")) {
            Files.copy(in, hostile);
        }
        assertThat(localize("--type", "archive", "--name", "slip", "--url", "file://" + hostile)).isEqualTo(ExitCode.INVALID_CONTENT.code());
        assertThat(code.resolve("slip")).doesNotExist();
        assertThat(hiddenLeftovers(code)).isEmpty();
    }

    /**
     * A localizer killed in the middle of replacing a tree (a pod evicted, the node lost): the
     * target still holds the old tree whole, and the next run clears what the killed one left
     * (its staging tree; a zip's spooled download) and puts the new tree in place.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tar.gz", "zip"})
    void aRunKilledMidTransferLeavesTheOldTreeWholeAndTheNextRunClearsUp(String format) throws Exception {
        StringBuilder noise = new StringBuilder();
        Random random = new Random(7);
        while (noise.length() < 8_000_000) {
            noise.append(Long.toHexString(random.nextLong()));
        }
        Map<String, String> v2Files = Map.of("weights.bin", noise.toString(), "config.json", "{\"v\": 2}");
        byte[] v1 = tarGz(Map.of("weights.bin", "v1", "config.json", "{}"));
        byte[] v2 = format.equals("zip") ? zip(v2Files) : tarGz(v2Files);
        CountDownLatch halfSent = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] archive = exchange.getRequestURI().getPath().endsWith("v1") ? v1 : v2;
                exchange.sendResponseHeaders(200, archive.length);
                OutputStream out = exchange.getResponseBody();
                if (archive == v2 && halfSent.getCount() > 0) {
                    out.write(archive, 0, archive.length / 2);
                    out.flush();
                    halfSent.countDown();
                    released.await(); // holds the rest until the localizer is dead
                    return;
                }
                out.write(archive);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            assertThat(localize("--type", "archive", "--name", "data", "--url", base + "/v1")).isZero();

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process killed = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Localizer.class.getName(),
                    "--code-root", code.toString(), "--models-root", models.toString(), "--type", "archive", "--name", "data",
                    "--url", base + "/v2").redirectErrorStream(true).redirectOutput(work.resolve("killed.log").toFile()).start();
            try {
                assertThat(halfSent.await(60, TimeUnit.SECONDS)).as("the second run got half the archive").isTrue();
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!halfWritten(code) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(halfWritten(code)).as("the second run was writing beside the target").isTrue();
            } finally {
                killed.destroyForcibly().waitFor();
            }
            assertThat(Files.readString(code.resolve("data/weights.bin"))).isEqualTo("v1");
            assertThat(Files.readString(code.resolve("data/config.json"))).isEqualTo("{}");

            released.countDown();
            assertThat(localize("--type", "archive", "--name", "data", "--url", base + "/v2")).isZero();
            assertThat(Files.readString(code.resolve("data/weights.bin"))).isEqualTo(noise.toString());
            try (Stream<Path> left = Files.list(code)) {
                assertThat(left.map(p -> p.getFileName().toString())).as("nothing but the tree and the record")
                        .containsExactlyInAnyOrder("data", ".localized.json");
            }
        } finally {
            released.countDown();
            server.stop(0);
        }
    }

    /** Whether some hidden file being written beside the target (in a staging tree, or a spool) holds bytes. */
    private static boolean halfWritten(Path parent) throws IOException {
        try (Stream<Path> all = Files.walk(parent)) {
            return all.anyMatch(p -> {
                String first = parent.relativize(p).getName(0).toString();
                return first.startsWith(".") && !first.equals(".localized.json") && Files.isRegularFile(p) && p.toFile().length() > 0;
            });
        }
    }

    private static byte[] zip(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void aServerDyingMidTransferIsRetriedThenFailsCleanly() throws Exception {
        byte[] archive = tarGz(Map.of("weights.bin", "w".repeat(200_000), "config.json", "{}"));
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger failFirst = new AtomicInteger(2);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/data.tar.gz", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                if (exchange.getRequestMethod().equals("HEAD")) {
                    exchange.getResponseHeaders().set("Content-Length", Integer.toString(archive.length));
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, archive.length);
                OutputStream out = exchange.getResponseBody();
                if (failFirst.getAndDecrement() > 0) {
                    out.write(archive, 0, archive.length / 3);
                    out.flush();
                    exchange.getHttpContext().getServer(); // the connection is dropped here, mid-body
                    throw new IOException("server dies mid-transfer");
                }
                out.write(archive);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/data.tar.gz";
            assertThat(localize("--type", "archive", "--name", "data", "--url", url, "--max-attempts", "3")).isZero();
            assertThat(code.resolve("data/weights.bin")).hasSize(200_000);

            failFirst.set(100);
            assertThat(localize("--type", "archive", "--name", "other", "--url", url, "--max-attempts", "2"))
                    .isEqualTo(ExitCode.UNREACHABLE.code());
            assertThat(code.resolve("other")).doesNotExist();
            assertThat(hiddenLeftovers(code)).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    /** A server that stops sending mid-body is a transient failure once http.read-timeout-ms passes: retried, not waited on until --timeout. */
    @Test
    void aStalledDownloadIsRetried() throws Exception {
        byte[] archive = tarGz(Map.of("weights.bin", "w".repeat(200_000)));
        AtomicInteger requests = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/data.tar.gz", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, archive.length);
                if (requests.incrementAndGet() == 1) {
                    exchange.getResponseBody().write(archive, 0, archive.length / 2);
                    exchange.getResponseBody().flush();
                    release.await(60, TimeUnit.SECONDS);
                    return;
                }
                exchange.getResponseBody().write(archive);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/data.tar.gz";
            assertThat(localize("--type", "archive", "--name", "data", "--url", url, "--set", "http.read-timeout-ms=500", "--timeout", "20s"))
                    .isZero();
            assertThat(code.resolve("data/weights.bin")).hasSize(200_000);
            assertThat(requests).as("the stalled attempt, then one more").hasValue(2);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    /** As when the pod is deleted during its init: the process is told to stop (SIGTERM) mid-transfer. */
    @Test
    void aStoppedRunSaysSoAndPutsNothingInPlace() throws Exception {
        byte[] archive = tarGz(Map.of("weights.bin", "w".repeat(200_000)));
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/data.tar.gz", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, archive.length);
                exchange.getResponseBody().write(archive, 0, archive.length / 2);
                exchange.getResponseBody().flush();
                sending.countDown();
                release.await(60, TimeUnit.SECONDS); // the rest never comes while the localizer runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        Path termination = work.resolve("termination-log");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Localizer.class.getName(),
                    "--code-root", code.toString(), "--type", "archive", "--name", "data",
                    "--url", "http://127.0.0.1:" + server.getAddress().getPort() + "/data.tar.gz").redirectErrorStream(true)
                    .redirectOutput(work.resolve("localizer.log").toFile()); // destroy() closes the process's pipes
            builder.environment().put("SUBMARINE_TERMINATION_MESSAGE_PATH", termination.toString());
            Process localizer = builder.start();
            assertThat(sending.await(60, TimeUnit.SECONDS)).as("transfer started").isTrue();
            localizer.destroy(); // SIGTERM
            int exit = localizer.waitFor();
            String output = Files.readString(work.resolve("localizer.log"));
            assertThat(exit).as(output).isEqualTo(143);
            assertThat(output).contains("stopped by a signal before every source was in place");
            assertThat(termination).content().contains("stopped by a signal before every source was in place");
            assertThat(code.resolve("data")).doesNotExist();
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void httpSourcesSendTheHeadersFromTheSourcesFile() throws Exception {
        byte[] archive = tarGz(Map.of("model.onnx", "onnx"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/private/model.tar.gz", exchange -> {
            try (exchange) {
                if (!"Bearer hub-token-31337".equals(exchange.getRequestHeaders().getFirst("Authorization"))
                        || !"hub-key-4242".equals(exchange.getRequestHeaders().getFirst("X-Api-Key"))) {
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, archive.length);
                exchange.getResponseBody().write(archive);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/private/model.tar.gz";
            Path headers = Files.writeString(work.resolve("hub-headers"), "Authorization: Bearer hub-token-31337\nX-Api-Key: hub-key-4242\n");
            assertThat(localize("--type", "archive", "--name", "hub", "--url", url, "--headers-file", headers.toString())).isZero();
            assertThat(code.resolve("hub/model.onnx")).hasContent("onnx");
            assertThat(Redactor.global().redact("rejected key hub-key-4242")).as("masked in every log line").doesNotContain("hub-key-4242");
            assertThat(localize("--type", "archive", "--name", "anonymous", "--url", url)).isEqualTo(ExitCode.AUTH.code());
            assertThat(code.resolve("anonymous")).doesNotExist();
        } finally {
            server.stop(0);
        }
    }

    /** A signed URL (S3, GCS, a model hub): its query is sent, it names nothing, and it is not recorded or logged. */
    @Test
    void aSignedUrlIsFetchedAndItsSignatureKeptOutOfTheRecord() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/bucket/weights.bin", exchange -> {
            try (exchange) {
                boolean signed = "X-Amz-Signature=sig-8080&X-Amz-Expires=300".equals(exchange.getRequestURI().getRawQuery());
                exchange.sendResponseHeaders(signed ? 200 : 403, signed ? 7 : -1);
                if (signed) {
                    exchange.getResponseBody().write("weights".getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/bucket/weights.bin?X-Amz-Signature=sig-8080&X-Amz-Expires=300";
            LoggedRun run = LoggedRun.of(() -> localize("--type", "file", "--url", url));
            assertThat(run.exit()).as(run.log()).isZero();
            assertThat(code.resolve("weights.bin/weights.bin")).hasContent("weights");
            assertThat(Files.readString(code.resolve(".localized.json"))).doesNotContain("sig-8080").contains("X-Amz-Signature=***");
            assertThat(run.log()).doesNotContain("sig-8080");
        } finally {
            server.stop(0);
        }
    }

    /** Writes a model version as artifact-sync does: files, then _MANIFEST.json last. */
    private Path publishModel(Path versionDir, boolean withManifest) throws Exception {
        Path source = Path.of(getClass().getResource("/testdata/models/tf_savedmodel_half_plus_two_2_versions/00000123").toURI());
        List<Map<String, Object>> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String relative = source.relativize(file).toString();
                byte[] bytes = Files.readAllBytes(file);
                Files.createDirectories(versionDir.resolve(relative).getParent());
                Files.write(versionDir.resolve(relative), bytes);
                files.add(Map.of("path", relative, "size", bytes.length, "sha256", sha256(bytes)));
            }
        }
        if (withManifest) {
            JSON.writeValue(versionDir.resolve("_MANIFEST.json").toFile(),
                    Map.of("format", 1, "model", "half_plus_two", "version", "123", "created", "2026-11-28T00:00:00Z", "files", files));
        }
        return versionDir;
    }

    @Test
    void aCommittedModelVersionIsFetchedAndVerified() throws Exception {
        Path version = publishModel(work.resolve("store/models/half_plus_two/123"), true);
        // Named after its model, not its version number ("123"), when no name is given.
        assertThat(localize("--type", "model", "--url", "file://" + version)).isZero();
        Path target = models.resolve("half_plus_two");
        assertThat(target.resolve("saved_model.pb")).hasSameBinaryContentAs(version.resolve("saved_model.pb"));
        assertThat(target.resolve("variables/variables.index")).exists();
        assertThat(target.resolve("assets/foo.txt")).exists();
        assertThat(target.resolve("_MANIFEST.json")).doesNotExist();

        Files.writeString(version.resolve("assets/foo.txt"), "tampered");
        assertThat(localize("--type", "model", "--name", "tampered", "--url", "file://" + version)).isEqualTo(ExitCode.CHECKSUM.code());
        assertThat(models.resolve("tampered")).doesNotExist();

        Files.delete(version.resolve("assets/foo.txt"));
        LoggedRun incomplete = LoggedRun.of(() -> localize("--type", "model", "--name", "incomplete", "--url", "file://" + version));
        assertThat(incomplete.exit()).as("a broken version, not a wrong setting").isEqualTo(ExitCode.INVALID_CONTENT.code());
        assertThat(incomplete.log()).contains("is incomplete: its _MANIFEST.json lists assets/foo.txt, which is not in storage");
        assertThat(models.resolve("incomplete")).doesNotExist();
    }

    /** A model version already in place (the pod restarted on its volumes) is not downloaded again; a changed one is. */
    @Test
    void aModelVersionAlreadyInPlaceIsNotDownloadedAgain() throws Exception {
        Path version = publishModel(work.resolve("store/models/half_plus_two/125"), true);
        String[] args = {"--type", "model", "--name", "m", "--url", "file://" + version};
        assertThat(localize(args)).isZero();
        Path marker = Files.writeString(models.resolve("m/marker"), "still the same tree");
        assertThat(localize(args)).isZero();
        assertThat(marker).as("the tree was left alone").exists();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0).path("unchanged").asBoolean()).isTrue();

        Files.writeString(version.resolve("_MANIFEST.json"), Files.readString(version.resolve("_MANIFEST.json")) + "\n");
        assertThat(localize(args)).isZero();
        assertThat(marker).as("a new manifest: fetched again").doesNotExist();
        assertThat(models.resolve("m/saved_model.pb")).exists();
    }

    @Test
    void anUncommittedModelVersionIsRefusedUnlessAllowed() throws Exception {
        Path version = publishModel(work.resolve("store/models/half_plus_two/124"), false);
        assertThat(localize("--type", "model", "--name", "m", "--url", "file://" + version)).isEqualTo(ExitCode.INVALID_CONTENT.code());
        assertThat(models.resolve("m")).doesNotExist();
        assertThat(localize("--type", "model", "--name", "m", "--url", "file://" + version, "--allow-uncommitted")).isZero();
        assertThat(models.resolve("m/saved_model.pb")).exists();
    }

    /**
     * One file of a model failing ends the fetch at once, not after the files before it in the
     * manifest, and the localizer returns only once the other downloads have stopped: one still
     * writing would put files back into the staging directory being discarded.
     */
    @Test
    void aModelFileFailingStopsTheOtherDownloadsBeforeTheLocalizerReturns() throws Exception {
        byte[] slow = new byte[100 * 4096]; // sent 4 KiB every 50 ms: 5 s
        byte[] original = "the original content".getBytes(StandardCharsets.UTF_8);
        byte[] manifest = JSON.writeValueAsBytes(Map.of("format", 1, "model", "m", "version", "1", "files", List.of(
                Map.of("path", "variables/slow.bin", "size", slow.length, "sha256", sha256(slow)),
                Map.of("path", "assets/foo.txt", "size", original.length, "sha256", sha256(original)))));
        Map<String, byte[]> served = Map.of("_MANIFEST.json", manifest, "variables/slow.bin", slow, "assets/foo.txt", "tampered".getBytes());
        AtomicBoolean slowSent = new AtomicBoolean();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext("/models/m/1/", exchange -> {
            try (exchange) {
                byte[] body = served.get(exchange.getRequestURI().getPath().substring("/models/m/1/".length()));
                if (body == null || exchange.getRequestMethod().equals("HEAD")) {
                    exchange.getResponseHeaders().set("Content-Length", Integer.toString(body == null ? 0 : body.length));
                    exchange.sendResponseHeaders(body == null ? 404 : 200, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, body.length);
                OutputStream out = exchange.getResponseBody();
                if (body != slow) {
                    out.write(body);
                    return;
                }
                for (int at = 0; at < slow.length; at += 4096) {
                    out.write(slow, at, 4096);
                    out.flush();
                    Thread.sleep(50);
                }
                slowSent.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/m/1/";
            assertThat(localize("--type", "model", "--name", "m", "--url", url)).isEqualTo(ExitCode.CHECKSUM.code());
            List<Thread> downloading = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("model-fetch") && thread.isAlive()).toList();
            assertThat(downloading).as("downloads still running").isEmpty();
            assertThat(slowSent).as("the failure waited for the slow file").isFalse();
            assertThat(models.resolve("m")).doesNotExist();
            assertThat(hiddenLeftovers(models)).isEmpty();
        } finally {
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    /**
     * As in a new pod: the program as a process with an empty home. JGit would measure the file
     * system for 3 s and save it under $XDG_CONFIG_HOME/jgit, and run {@code git} (here a shim on
     * the PATH that leaves a mark) to find the system config; the localizer has it do neither.
     */
    @Test
    void aCloneInANewPodNeitherMeasuresTheFileSystemNorRunsGit() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        Path home = Files.createDirectories(work.resolve("home"));
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path ran = work.resolve("git-ran");
        Path realGit = Path.of(TestRepos.which("git"));
        Path shim = Files.writeString(bin.resolve("git"), "#!/bin/sh\necho \"$@\" >> '" + ran + "'\nexec '" + realGit + "' \"$@\"\n");
        shim.toFile().setExecutable(true);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Duser.home=" + home, "-cp", System.getProperty("java.class.path"), Localizer.class.getName(),
                "--code-root", code.toString(), "--url", "file://" + repo).redirectErrorStream(true);
        builder.environment().putAll(Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString(),
                "PATH", bin + ":" + System.getenv("PATH")));
        Process localizer = builder.start();
        String output = new String(localizer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(localizer.waitFor()).as(output).isZero();

        assertThat(Files.readString(code.resolve("trainer/README.md"))).isEqualTo("second\n");
        assertThat(TestRepos.git(code.resolve("trainer"), "status", "--porcelain")).as("a clean checkout").isEmpty();
        assertThat(home.resolve(".config/jgit/config")).as("file system measured").doesNotExist();
        assertThat(ran).as("git run").doesNotExist();
    }

    /**
     * A pod with a read-only root file system and no volume at /tmp: zstd's native code cannot
     * unpack into java.io.tmpdir, so it goes to the code root, which the localizer writes anyway.
     */
    @Test
    void aTarZstUnpacksWithoutAWritableTmp() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream(bytes))) {
            TarArchiveEntry entry = new TarArchiveEntry("train.py");
            entry.setSize(3);
            tar.putArchiveEntry(entry);
            tar.write("x=1".getBytes(StandardCharsets.UTF_8));
            tar.closeArchiveEntry();
        }
        Path archive = Files.write(work.resolve("code.tar.zst"), bytes.toByteArray());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process localizer = new ProcessBuilder(java, "-Djava.io.tmpdir=" + work.resolve("not-there"), "-cp", System.getProperty("java.class.path"),
                Localizer.class.getName(), "--code-root", code.toString(), "--type", "archive", "--url", "file://" + archive).redirectErrorStream(true).start();
        String output = new String(localizer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(localizer.waitFor()).as(output).isZero();
        assertThat(code.resolve("code/train.py")).hasContent("x=1");
        assertThat(output).contains("temporary files go to " + code);
    }

    @Test
    void gitRefsDepthAndSubpathOverFileUrls() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        String head = TestRepos.git(repo, "rev-parse", "HEAD");
        String first = TestRepos.git(repo, "rev-parse", "v1^{commit}");
        String url = "file://" + repo;

        assertThat(localize("--url", url)).isZero();
        Path trainer = code.resolve("trainer");
        assertThat(Files.readString(trainer.resolve("README.md"))).isEqualTo("second\n");
        assertThat(Files.getPosixFilePermissions(trainer.resolve("run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(revisionOf("trainer")).isEqualTo(head);
        assertThat(TestRepos.git(trainer, "rev-list", "--count", "HEAD")).as("depth 1").isEqualTo("1");
        assertThat(TestRepos.git(trainer, "for-each-ref", "--format=%(refname)", "refs/remotes")).as("only the branch asked for")
                .isEqualTo("refs/remotes/origin/main");

        assertThat(localize("--url", url, "--name", "tagged", "--ref", "v1")).isZero();
        assertThat(Files.readString(code.resolve("tagged/README.md"))).isEqualTo("first\n");
        assertThat(revisionOf("tagged")).isEqualTo(first);
        assertThat(TestRepos.git(code.resolve("tagged"), "for-each-ref", "--format=%(refname)", "refs/remotes")).as("no branch for a tag").isEmpty();

        assertThat(localize("--url", url, "--name", "pinned", "--ref", first, "--depth", "0")).isZero();
        assertThat(Files.readString(code.resolve("pinned/README.md"))).isEqualTo("first\n");

        assertThat(localize("--url", url, "--name", "pkg", "--subpath", "src/pkg")).isZero();
        assertThat(Files.readString(code.resolve("pkg/train.py"))).isEqualTo("print('train v2')\n");
        assertThat(code.resolve("pkg/README.md")).doesNotExist();

        assertThat(localize("--url", url, "--name", "nope", "--ref", "no-such-branch")).isEqualTo(ExitCode.CONFIG.code());
        LoggedRun abbreviated = LoggedRun.of(() -> localize("--url", url, "--name", "short", "--ref", first.substring(0, 10)));
        assertThat(abbreviated.exit()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(abbreviated.log()).contains("abbreviated commit SHA, give all 40 hex digits");
        assertThat(localize("--url", url, "--name", "upper", "--ref", first.toUpperCase(java.util.Locale.ROOT))).as("a SHA in capitals, as git takes it")
                .isZero();
        assertThat(revisionOf("upper")).isEqualTo(first);
    }

    /** DESIGN.md's flag for the simple case, and its variable; --url with the default type does the same. */
    @Test
    void gitUrlNamesTheRepositoryByFlagOrEnvironment() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        String url = "file://" + repo;

        assertThat(localize("--git-url", url)).isZero();
        assertThat(Files.readString(code.resolve("trainer/README.md"))).isEqualTo("second\n");
        assertThat(Localizer.run(Map.of("LOCALIZER_GIT_URL", url), "--code-root", code.toString(), "--name", "from-env")).isZero();
        assertThat(revisionOf("from-env")).isEqualTo(TestRepos.git(repo, "rev-parse", "HEAD"));

        assertThat(localize("--git-url", url, "--url", url, "--name", "both")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize("--git-url", url, "--type", "archive", "--name", "archive")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(code.resolve("both")).doesNotExist();
        assertThat(code.resolve("archive")).doesNotExist();
    }

    @Test
    void submodulesAreFetchedOnlyWhenAskedFor() throws Exception {
        Path lib = TestRepos.create(work.resolve("repos/lib"));
        Path app = TestRepos.withSubmodules(work.resolve("repos/app"), Map.of("lib", "file://" + lib));

        assertThat(localize("--url", "file://" + app, "--submodules", "recursive", "--depth", "0", "--allow-file-submodules")).isZero();
        assertThat(Files.readString(code.resolve("app/lib/README.md"))).isEqualTo("second\n");
        assertThat(TestRepos.git(code.resolve("app/lib"), "rev-list", "--all", "--count")).as("recursive: all of lib's history").isEqualTo("2");
        assertThat(TestRepos.git(code.resolve("app"), "status", "--porcelain")).isEmpty();

        assertThat(localize("--url", "file://" + app, "--name", "shallow-app", "--submodules", "shallow", "--allow-file-submodules")).isZero();
        assertThat(Files.readString(code.resolve("shallow-app/lib/README.md"))).isEqualTo("second\n");
        assertThat(TestRepos.git(code.resolve("shallow-app/lib"), "rev-list", "--all", "--count")).as("shallow: lib's commit alone").isEqualTo("1");
        assertThat(TestRepos.git(code.resolve("shallow-app"), "status", "--porcelain")).isEmpty();

        Path vendored = TestRepos.withSubmodules(work.resolve("repos/vendored"), Map.of("vendor/lib", "file://" + lib));
        assertThat(localize("--url", "file://" + vendored, "--name", "vendor", "--subpath", "vendor", "--submodules", "shallow",
                "--allow-file-submodules")).as("a submodule inside the subpath").isZero();
        assertThat(Files.readString(code.resolve("vendor/lib/README.md"))).isEqualTo("second\n");

        assertThat(localize("--url", "file://" + app, "--name", "bare-app")).isZero();
        assertThat(code.resolve("bare-app/app.py")).exists();
        assertThat(code.resolve("bare-app/lib/README.md")).doesNotExist();
    }

    @Test
    void submodulesOnThisMachineAreRefusedUnlessAllowed() throws Exception {
        // lib stands for any repository the container can read, named by a hostile .gitmodules.
        Path lib = TestRepos.create(work.resolve("repos/lib"));
        Map<String, String> submodules = new LinkedHashMap<>();
        submodules.put("lib", "file://" + lib);
        submodules.put("lib-by-path", lib.toString());
        Path app = TestRepos.withSubmodules(work.resolve("repos/app"), submodules);

        for (String mode : List.of("shallow", "recursive")) {
            assertThat(localize("--url", "file://" + app, "--name", mode, "--submodules", mode)).as(mode).isEqualTo(ExitCode.INVALID_CONTENT.code());
            assertThat(code.resolve(mode)).as(mode + ": nothing put in place").doesNotExist();
        }
        assertThat(localize("--url", "file://" + app, "--name", "allowed", "--submodules", "shallow", "--allow-file-submodules")).isZero();
        assertThat(Files.readString(code.resolve("allowed/lib-by-path/README.md"))).isEqualTo("second\n");
    }

    @Test
    void aTargetThatHoldsTheCommitIsLeftAlone() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        assertThat(localize("--url", "file://" + repo)).isZero();
        Path marker = Files.writeString(code.resolve("trainer/untracked-by-user.txt"), "kept");
        assertThat(localize("--url", "file://" + repo)).isZero();
        assertThat(marker).as("the second run did nothing").exists();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0).path("unchanged").asBoolean()).isTrue();

        Files.writeString(repo.resolve("README.md"), "third\n");
        TestRepos.git(repo, "commit", "-q", "-am", "third");
        assertThat(localize("--url", "file://" + repo)).isZero();
        assertThat(Files.readString(code.resolve("trainer/README.md"))).isEqualTo("third\n");
        assertThat(marker).as("a new commit replaces the tree whole").doesNotExist();
        assertThat(hiddenLeftovers(code)).isEmpty();
    }

    /** The same commit with another subpath, or with its submodules, is another tree: the target is not taken for done. */
    @Test
    void aTargetLocalizedWithOtherOptionsIsFetchedAgain() throws Exception {
        Path lib = TestRepos.create(work.resolve("repos/lib"));
        Path app = TestRepos.withSubmodules(work.resolve("repos/app"), Map.of("lib", "file://" + lib));
        String url = "file://" + app;
        assertThat(localize("--url", url)).isZero();
        assertThat(code.resolve("app/lib/README.md")).as("submodules off").doesNotExist();
        assertThat(localize("--url", url, "--submodules", "shallow", "--allow-file-submodules")).isZero();
        assertThat(code.resolve("app/lib/README.md")).as("submodules now").hasContent("second\n");
        assertThat(localize("--url", url, "--subpath", "lib")).isZero();
        assertThat(code.resolve("app/README.md")).as("only the subpath now").doesNotExist();
        assertThat(localize("--url", url, "--subpath", "lib")).isZero();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0).path("unchanged").asBoolean())
                .as("the same options again: nothing to do").isTrue();
    }

    /** An archive given with its digest is not fetched again into a target holding it; with other strip-components it is. */
    @Test
    void anArchivePinnedByItsDigestIsNotFetchedAgain() throws Exception {
        byte[] archive = tarGz(Map.of("data/train.csv", "x,y\n"));
        Path file = Files.write(work.resolve("dataset.tar.gz"), archive);
        String[] pinned = {"--type", "archive", "--url", "file://" + file, "--sha256", sha256(archive)};
        assertThat(localize(pinned)).isZero();
        Path marker = Files.writeString(code.resolve("dataset/kept.txt"), "kept");
        assertThat(localize(pinned)).isZero();
        assertThat(marker).as("the second run did nothing").exists();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0).path("unchanged").asBoolean()).isTrue();

        assertThat(localize(Stream.concat(Arrays.stream(pinned), Stream.of("--strip-components", "1")).toArray(String[]::new))).isZero();
        assertThat(code.resolve("dataset/train.csv")).as("stripped now").exists();
        assertThat(marker).doesNotExist();
        assertThat(localize("--type", "archive", "--url", "file://" + file, "--strip-components", "1")).isZero();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0).path("unchanged").asBoolean())
                .as("no digest given: fetched to learn it").isFalse();
    }

    @Test
    void aSpecFileLocalizesSeveralSourcesAndTheExperimentForm() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/trainer"));
        byte[] archive = tarGz(Map.of("data.csv", "x,y\n"));
        Path file = Files.write(work.resolve("dataset.tar.gz"), archive);
        Path version = publishModel(work.resolve("store/models/m/1"), true);
        Path spec = Files.writeString(work.resolve("spec.yaml"), String.join("\n",
                "sources:",
                "  - {name: trainer, type: git, url: 'file://" + repo + "', ref: dev}",
                "  - {name: dataset, type: archive, url: 'file://" + file + "', sha256: " + sha256(archive) + "}",
                "  - {name: m, type: model, url: 'file://" + version + "'}",
                ""));
        assertThat(localize("--spec-file", spec.toString())).isZero();
        assertThat(Files.readString(code.resolve("trainer/README.md"))).isEqualTo("first\n");
        assertThat(code.resolve("dataset/data.csv")).exists();
        assertThat(models.resolve("m/saved_model.pb")).exists();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources")).hasSize(3);
        assertThat(Files.getPosixFilePermissions(code.resolve(".localized.json"))).as("readable by the pod's other users")
                .contains(PosixFilePermission.OTHERS_READ);

        Path experiment = Files.writeString(work.resolve("experiment.json"),
                "{\"code\": {\"sync_mode\": \"git\", \"url\": \"file://" + repo + "\"}}");
        Files.writeString(repo.resolve("README.md"), "fourth\n");
        TestRepos.git(repo, "commit", "-q", "-am", "fourth");
        assertThat(localize("--spec-file", experiment.toString())).isZero();
        assertThat(Files.readString(code.resolve("trainer/README.md"))).isEqualTo("fourth\n");

        // A whole experiment spec as the seed's server takes it: syncMode, beside meta, environment and spec.
        Path whole = Files.writeString(work.resolve("whole-experiment.json"), "{\"meta\": {\"name\": \"mnist\", \"framework\": \"TensorFlow\","
                + " \"cmd\": \"python /code/trainer/train.py\"}, \"environment\": {\"image\": \"tf:2.1\"},"
                + " \"spec\": {\"Worker\": {\"replicas\": 1, \"resources\": \"cpu=1,memory=1G\"}},"
                + " \"code\": {\"syncMode\": \"git\", \"url\": \"file://" + repo + "\"}}");
        Files.writeString(repo.resolve("README.md"), "fifth\n");
        TestRepos.git(repo, "commit", "-q", "-am", "fifth");
        assertThat(localize("--spec-file", whole.toString())).isZero();
        assertThat(Files.readString(code.resolve("trainer/README.md"))).isEqualTo("fifth\n");
        Path both = Files.writeString(work.resolve("both.json"), "{\"code\": {\"syncMode\": \"git\", \"sync_mode\": \"s3\", \"url\": \"file://" + repo + "\"}}");
        assertThat(localize("--spec-file", both.toString())).isEqualTo(ExitCode.CONFIG.code());
        Path stray = Files.writeString(work.resolve("stray.json"), "{\"meta\": {}, \"sources\": []}");
        assertThat(localize("--spec-file", stray.toString())).as("meta alone is no experiment").isEqualTo(ExitCode.CONFIG.code());
    }

    /**
     * A source whose target is inside another's (data under the code that reads it) waits for that
     * one: the outer tree is put in place whole, by a rename, and would carry the inner one away.
     */
    @Test
    void aSourceInsideAnothersTargetIsLocalizedAfterIt() throws Exception {
        Path repo = TestRepos.create(work.resolve("repos/app"));
        Path file = Files.write(work.resolve("data.tar.gz"), tarGz(Map.of("data.csv", "x,y\n")));
        // The inner one first, and the quicker: run side by side, it was put in place first, then lost.
        Path spec = Files.writeString(work.resolve("spec.yaml"), String.join("\n",
                "sources:",
                "  - {name: data, type: archive, url: 'file://" + file + "', target: '" + code.resolve("app/data") + "'}",
                "  - {name: app, type: git, url: 'file://" + repo + "'}",
                ""));
        assertThat(localize("--spec-file", spec.toString())).isZero();
        assertThat(code.resolve("app/run.sh")).exists();
        assertThat(code.resolve("app/data/data.csv")).exists();

        // The outer one changes and is put in place again; the inner one, gone with the old tree, comes again.
        Files.writeString(repo.resolve("README.md"), "changed\n");
        TestRepos.git(repo, "commit", "-q", "-am", "changed");
        assertThat(localize("--spec-file", spec.toString())).isZero();
        assertThat(Files.readString(code.resolve("app/README.md"))).isEqualTo("changed\n");
        assertThat(code.resolve("app/data/data.csv")).exists();
        assertThat(JSON.readTree(code.resolve(".localized.json").toFile()).path("sources").get(0).path("name").asText())
                .as("records in the spec's order").isEqualTo("data");

        // When the outer one fails, the inner one is not attempted, and the exit code is the outer one's failure's.
        Path failing = Files.writeString(work.resolve("failing.yaml"), String.join("\n",
                "sources:",
                "  - {name: inner, type: archive, url: 'file://" + file + "', target: '" + code.resolve("outer/data") + "'}",
                "  - {name: outer, type: archive, url: 'file://" + file + "', sha256: '" + "0".repeat(64) + "'}",
                ""));
        assertThat(localize("--spec-file", failing.toString())).isEqualTo(ExitCode.CHECKSUM.code());
        assertThat(code.resolve("outer")).doesNotExist();
    }

    /**
     * With a storage root, the record also goes to the pod's directory of the remote layout; a
     * root it cannot write to is only logged, unless reports are required. What it needs is
     * checked before anything is fetched.
     */
    @Test
    void theRecordGoesToThePodsDirectoryUnderTheStorageRoot() throws Exception {
        Path file = Files.writeString(work.resolve("f.txt"), "f");
        Map<String, String> pod = new LinkedHashMap<>(Map.of("POD_NAMESPACE", "team-a", "POD_NAME", "nb-0", "POD_UID", "uid-9",
                "SUBMARINE_STORAGE_URI", "file://" + work.resolve("remote")));
        String[] args = {"--code-root", code.toString(), "--type", "file", "--url", "file://" + file};
        assertThat(Localizer.run(pod, args)).isZero();
        Path remote = work.resolve("remote/team-a/pod/nb-0/nb-0/uid-9/code/localized.json");
        assertThat(remote).as("owner kind 'pod' when the pod has no owner").hasContent(Files.readString(code.resolve(".localized.json")));

        Path aFile = Files.writeString(work.resolve("a-file"), "");
        pod.put("SUBMARINE_STORAGE_URI", "file://" + aFile.resolve("remote"));
        assertThat(Localizer.run(pod, args)).as("the code is in place either way").isZero();
        assertThat(Localizer.run(pod, Stream.concat(Arrays.stream(args), Stream.of("--require-report")).toArray(String[]::new)))
                .isEqualTo(ExitCode.UNREACHABLE.code());

        pod.put("SUBMARINE_STORAGE_URI", "nosuch://bucket/pods");
        assertThat(Localizer.run(pod, "--code-root", code.toString(), "--type", "file", "--url", "file://" + file, "--name", "unknown-scheme"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(Localizer.run(Map.of("SUBMARINE_STORAGE_URI", "file://" + work.resolve("remote")), "--code-root", code.toString(),
                "--type", "file", "--url", "file://" + file, "--name", "no-identity")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(code.resolve("unknown-scheme")).doesNotExist();
        assertThat(code.resolve("no-identity")).doesNotExist();
    }

    @Test
    void badSpecsAreConfigErrorsThatSayWhatToFix() throws Exception {
        Path typo = Files.writeString(work.resolve("typo.yaml"), "sources:\n  - {name: a, type: archive, url: 'file:///x', sha265: abc}\n");
        assertThat(localize("--spec-file", typo.toString())).isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize("--type", "tarball", "--url", "file:///x")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize("--type", "archive", "--url", "file:///x", "--sha256", "nothex")).isEqualTo(ExitCode.CONFIG.code());
        for (String[] limit : new String[][] {{"--max-bytes", "-5"}, {"--max-entries", "0"}, {"--max-path-length", "0"}, {"--max-depth", "0"},
                {"--max-ratio", "0.5"}, {"--max-ratio", "NaN"}, {"--parallelism", "0"}, {"--max-attempts", "0"}, {"--timeout", "0s"}}) {
            LoggedRun run = LoggedRun.of(() -> localize("--type", "archive", "--url", "file:///x", limit[0], limit[1]));
            assertThat(run.exit()).as(String.join(" ", limit)).isEqualTo(ExitCode.CONFIG.code());
            assertThat(run.log()).as("names the flag").contains(limit[0] + " must be");
        }
        assertThat(localize("--type", "archive", "--url", "file://" + work.resolve("absent.tar"))).isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize("--type", "archive", "--url", "file:///x", "--metastore-url", "http://metastore",
                "--metastore-token-file", work.resolve("no-token").toString())).isEqualTo(ExitCode.CONFIG.code());
        Path file = Files.writeString(work.resolve("f.txt"), "f");
        Path aFile = Files.writeString(work.resolve("a-file"), "");
        assertThat(Localizer.run("--code-root", aFile.resolve("code").toString(), "--type", "file", "--url", "file://" + file))
                .as("a code root under a file").isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize("--type", "file", "--url", "file://" + file, "--target", code.toString())).as("the code root as a target")
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(localize("--type", "file", "--url", "file://" + file, "--target", work.toString())).as("a target holding the roots")
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(work.resolve("f.txt")).as("left where it was").hasContent("f");
        for (String credential : List.of("--token-file", "--ssh-key-file", "--known-hosts-file", "--headers-file", "--username-file")) {
            LoggedRun run = LoggedRun.of(() -> localize("--git-url", "ssh://git@127.0.0.1:1/x.git", credential, work.resolve("not-mounted").toString()));
            assertThat(run.exit()).as(credential).isEqualTo(ExitCode.CONFIG.code());
            assertThat(run.log()).as("said before any connection").contains(credential.substring(2) + " " + work.resolve("not-mounted") + " is not a readable file")
                    .doesNotContain("attempt");
        }
        Path twoSources = Files.writeString(work.resolve("two.yaml"), String.join("\n", "sources:",
                "  - {name: ready, type: file, url: 'file://" + file + "'}",
                "  - {name: secret, type: git, url: 'https://127.0.0.1:1/x.git', credentials: {token-file: '" + work.resolve("not-mounted") + "'}}", ""));
        assertThat(localize("--spec-file", twoSources.toString())).isEqualTo(ExitCode.CONFIG.code());
        assertThat(code.resolve("ready")).as("checked before anything is fetched").doesNotExist();
        Path shallow = Files.write(work.resolve("shallow.tar.gz"), tarGz(Map.of("d/a.txt", "a")));
        assertThat(localize("--type", "archive", "--url", "file://" + shallow, "--strip-components", "2")).as("stripped of every file")
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(code.resolve("shallow")).doesNotExist();
    }

    private String revisionOf(String name) throws IOException {
        for (JsonNode record : JSON.readTree(code.resolve(".localized.json").toFile()).path("sources")) {
            if (record.path("name").asText().equals(name)) {
                return record.path("revision").asText();
            }
        }
        throw new AssertionError("no record for " + name);
    }
}
