package io.submarine.storage.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.WriteMode;
import io.submarine.storage.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-only sources against real servers in this JVM: the JDK's HTTP server (with Range,
 * and a path that needs a bearer token) and Apache MINA sshd's SFTP subsystem (password login,
 * host key). Both go through {@link BlobStores}, as programs use them.
 */
class ReadOnlySourcesTest {

    private static final byte[] MODEL = Payloads.bytes(5, 300_000);
    private static final String PASSWORD = "sftp-pass-2718";

    @TempDir
    static Path work;

    private static HttpServer http;
    private static SshServer sshd;
    private static BlobStore store;
    private static String httpBase;

    @BeforeAll
    static void startServers() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", ReadOnlySourcesTest::serve);
        http.start();
        httpBase = "http://127.0.0.1:" + http.getAddress().getPort();

        Path root = Files.createDirectories(work.resolve("sftp-root"));
        Files.createDirectories(root.resolve("models/v1/variables"));
        Files.write(root.resolve("models/v1/saved_model.pb"), MODEL);
        Files.writeString(root.resolve("models/v1/variables/variables.index"), "index");
        sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(work.resolve("hostkey.ser")));
        sshd.setPasswordAuthenticator((user, password, session) -> "data".equals(user) && PASSWORD.equals(password));
        sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        sshd.setFileSystemFactory(new VirtualFileSystemFactory(root));
        sshd.start();

        // The opt-out is explicit; strict checking is tested below.
        Path headers = Files.writeString(work.resolve("headers"), "# sent with every request\nAuthorization: Bearer model-token-123\n");
        store = BlobStores.load(StorageConfig.of(Map.of("vfs.sftp-strict-host-key-checking", "false", "http.headers-file", headers.toString())));
    }

    @AfterAll
    static void stopServers() throws Exception {
        store.close();
        http.stop(0);
        sshd.stop(true);
    }

    /**
     * Serves MODEL at /model.bin with Range support, 401 at /private/* without the token, 405 to
     * HEAD at /no-head/*, 403 at /signed/* without its query, 404 elsewhere.
     */
    private static void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/private/") && !"Bearer model-token-123".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            if (path.startsWith("/no-head/") && exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            if (path.equals("/signed/model.bin") && !"X-Signature=a%2Bb&expires=1".equals(exchange.getRequestURI().getRawQuery())) {
                exchange.sendResponseHeaders(403, -1);
                return;
            }
            if (!path.equals("/model.bin") && !path.equals("/private/model.bin") && !path.equals("/no-head/model.bin") && !path.equals("/signed/model.bin")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = MODEL;
            int status = 200;
            String range = exchange.getRequestHeaders().getFirst("Range");
            exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
            exchange.getResponseHeaders().set("Last-Modified", "Tue, 03 Nov 2026 10:00:00 GMT");
            if (range != null) {
                Matcher m = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
                if (m.matches()) {
                    int from = Integer.parseInt(m.group(1));
                    int to = m.group(2).isEmpty() ? MODEL.length - 1 : Math.min(Integer.parseInt(m.group(2)), MODEL.length - 1);
                    body = Arrays.copyOfRange(MODEL, from, to + 1);
                    status = 206;
                    exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + MODEL.length);
                }
            }
            boolean head = exchange.getRequestMethod().equals("HEAD");
            if (head) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            }
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void httpStatReadAndRangeRead() throws IOException {
        Location model = Location.of(httpBase + "/model.bin");
        BlobInfo info = store.stat(model);
        assertThat(info.size()).isEqualTo(MODEL.length);
        assertThat(read(store.open(model))).isEqualTo(MODEL);
        assertThat(read(store.open(model, 1000, 5000))).isEqualTo(Arrays.copyOfRange(MODEL, 1000, 6000));
        assertThat(read(store.open(model, MODEL.length, 10))).isEmpty();
    }

    /** A signed URL: its query is sent as given, and kept out of what the store says. */
    @Test
    void aQueryIsSentAsGivenAndHiddenInMessages() throws IOException {
        assertThat(read(store.open(Location.of(httpBase + "/signed/model.bin?X-Signature=a%2Bb&expires=1#part")))).isEqualTo(MODEL);
        assertThatThrownBy(() -> store.open(Location.of(httpBase + "/signed/model.bin?X-Signature=wrong-sig-9")))
                .isInstanceOf(BlobAccessDeniedException.class).hasMessageNotContaining("wrong-sig-9").hasMessageContaining("X-Signature=***");
    }

    @Test
    void aServerRefusingHeadIsAskedForTheFirstByteToLearnTheSize() throws IOException {
        assertThat(store.stat(Location.of(httpBase + "/no-head/model.bin")).size()).isEqualTo(MODEL.length);
    }

    @Test
    void headersFromTheFileAreSentAndTheirAbsenceIsAnAuthError() throws IOException {
        Location guarded = Location.of(httpBase + "/private/model.bin");
        assertThat(read(store.open(guarded))).isEqualTo(MODEL);
        try (BlobStores anonymous = BlobStores.load(StorageConfig.empty())) {
            assertThatThrownBy(() -> read(anonymous.open(guarded))).isInstanceOf(BlobAccessDeniedException.class)
                    .hasMessageContaining("HTTP 401");
        }
    }

    /**
     * A redirect is followed; the headers file's token goes along within the source's origin only
     * (a release download sent on to a signed URL elsewhere must not carry it), and the
     * redirects end somewhere.
     */
    @Test
    void redirectsAreFollowedAndTheTokenStaysWithItsOrigin() throws IOException {
        List<String> elsewhereSaw = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/signed/model.bin", exchange -> {
            try (exchange) {
                elsewhereSaw.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(MODEL.length));
                boolean head = exchange.getRequestMethod().equals("HEAD");
                exchange.sendResponseHeaders(200, head ? -1 : MODEL.length);
                if (!head) {
                    exchange.getResponseBody().write(MODEL);
                }
            }
        });
        elsewhere.start();
        HttpServer redirecting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String self = "http://127.0.0.1:" + redirecting.getAddress().getPort();
        redirecting.createContext("/", exchange -> {
            try (exchange) {
                String target = switch (exchange.getRequestURI().getPath()) {
                    case "/same/model.bin" -> "/there/model.bin";
                    case "/there/model.bin" -> httpBase + "/private/model.bin"; // another port: another origin
                    case "/away/model.bin" -> "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/signed/model.bin?X-Signature=abc";
                    case "/loop" -> "/loop";
                    case "/ftp" -> "ftp://127.0.0.1/model.bin";
                    default -> null;
                };
                if (target == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Location", target);
                exchange.sendResponseHeaders(302, -1);
            }
        });
        redirecting.start();
        try {
            assertThat(read(store.open(Location.of(self + "/away/model.bin")))).isEqualTo(MODEL);
            assertThat(store.stat(Location.of(self + "/away/model.bin")).size()).as("HEAD follows too").isEqualTo(MODEL.length);
            assertThat(elsewhereSaw).as("the token stayed home").containsExactly("null", "null");
            assertThatThrownBy(() -> read(store.open(Location.of(self + "/same/model.bin")))).as("the token is not sent to another origin")
                    .isInstanceOf(BlobAccessDeniedException.class);
            assertThat(read(store.open(Location.of(httpBase + "/private/model.bin")))).as("but is to its own").isEqualTo(MODEL);
            assertThatThrownBy(() -> store.open(Location.of(self + "/loop"))).isInstanceOf(BlobFatalException.class)
                    .hasMessageContaining("more than 5 redirects");
            assertThatThrownBy(() -> store.open(Location.of(self + "/ftp"))).isInstanceOf(BlobFatalException.class)
                    .hasMessageContaining("redirected from http to ftp");
        } finally {
            redirecting.stop(0);
            elsewhere.stop(0);
        }
    }

    /**
     * A server that stops sending, before its headers or in the middle of the body, fails the
     * request as transient once http.read-timeout-ms passes (the JDK client alone waits forever).
     */
    @Test
    void aStalledResponseFailsAsTransientAfterTheReadTimeout() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        HttpServer stalling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stalling.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        stalling.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestURI().getPath().equals("/half.bin")) {
                    exchange.sendResponseHeaders(200, MODEL.length);
                    exchange.getResponseBody().write(MODEL, 0, 1000);
                    exchange.getResponseBody().flush();
                }
                release.await(60, java.util.concurrent.TimeUnit.SECONDS); // headers never come for /silent.bin, the rest of /half.bin neither
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stalling.start();
        String base = "http://127.0.0.1:" + stalling.getAddress().getPort();
        try (BlobStores impatient = BlobStores.load(StorageConfig.of(Map.of("http.read-timeout-ms", "500", "retry.max-attempts", "1")))) {
            assertThatThrownBy(() -> impatient.open(Location.of(base + "/silent.bin"))).isInstanceOf(io.submarine.storage.BlobTransientException.class);
            try (InputStream half = impatient.open(Location.of(base + "/half.bin"))) {
                assertThat(half.readNBytes(1000)).isEqualTo(Arrays.copyOf(MODEL, 1000));
                assertThatThrownBy(half::read).isInstanceOf(io.submarine.storage.BlobTransientException.class).hasMessageContaining("stalled");
            }
        } finally {
            release.countDown();
            stalling.stop(0);
        }
        assertThatThrownBy(() -> BlobStores.load(StorageConfig.of(Map.of("http.read-timeout-ms", "0"))).open(Location.of(base + "/x")))
                .isInstanceOf(io.submarine.storage.StorageConfigException.class).hasMessageContaining("http.read-timeout-ms");
    }

    @Test
    void httpErrorsAreTyped() {
        assertThatThrownBy(() -> store.stat(Location.of(httpBase + "/missing.bin"))).isInstanceOf(BlobNotFoundException.class);
        assertThatThrownBy(() -> store.list(Location.of(httpBase + "/"))).isInstanceOf(BlobFatalException.class).hasMessageContaining("cannot be listed");
    }

    @Test
    void writesAreRefusedClearly() {
        assertThatThrownBy(() -> store.write(Location.of(httpBase + "/upload"), new ByteArrayInputStream(new byte[1]), WriteMode.OVERWRITE))
                .isInstanceOf(BlobFatalException.class).hasMessageContaining("read-only source");
        assertThatThrownBy(() -> store.delete(Location.of(httpBase + "/model.bin"))).isInstanceOf(BlobFatalException.class);
    }

    private String sftpBase(String password) {
        return "sftp://data:" + password + "@127.0.0.1:" + sshd.getPort();
    }

    @Test
    void sftpListsReadsAndRangeReads() throws IOException {
        Location dir = Location.of(sftpBase(PASSWORD) + "/models/v1/");
        List<String> names = new ArrayList<>();
        BlobIterator listing = store.list(dir);
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            names.add(info.location().path());
        }
        assertThat(names).containsExactlyInAnyOrder("models/v1/saved_model.pb", "models/v1/variables/variables.index");
        Location model = dir.resolve("saved_model.pb");
        assertThat(store.stat(model).size()).isEqualTo(MODEL.length);
        assertThat(read(store.open(model))).isEqualTo(MODEL);
        assertThat(read(store.open(model, 10, 20))).isEqualTo(Arrays.copyOfRange(MODEL, 10, 30));
    }

    @Test
    void sftpWrongPasswordIsAnAuthErrorWithoutThePassword() {
        Location model = Location.of(sftpBase("wrong-pass-1234") + "/models/v1/saved_model.pb");
        assertThatThrownBy(() -> store.stat(model))
                .isInstanceOf(BlobAccessDeniedException.class)
                .hasMessageNotContaining("wrong-pass-1234")
                .hasMessageContaining("data:***@127.0.0.1");
    }

    @Test
    void sftpRefusesAHostMissingFromKnownHostsByDefault() throws IOException {
        Path knownHosts = Files.writeString(work.resolve("known_hosts"), "");
        try (BlobStores strict = BlobStores.load(StorageConfig.of(Map.of("vfs.sftp-known-hosts", knownHosts.toString())))) {
            assertThatThrownBy(() -> strict.stat(Location.of(sftpBase(PASSWORD) + "/models/v1/saved_model.pb")))
                    .isInstanceOf(BlobFatalException.class)
                    .hasMessageContaining("known_hosts");
        }
    }
}
