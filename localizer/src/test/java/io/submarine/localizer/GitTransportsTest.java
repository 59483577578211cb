package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Cloning over every transport, from real servers: git daemon, git http-backend, MINA sshd running git-upload-pack. */
class GitTransportsTest {

    @TempDir
    Path work;

    private Path code;
    private Path repos;
    private String head;

    @BeforeEach
    void repository() throws Exception {
        code = work.resolve("code");
        repos = work.resolve("repos");
        Path repo = TestRepos.create(repos.resolve("trainer"));
        head = TestRepos.git(repo, "rev-parse", "HEAD");
        // Servers serve bare repositories, as forges do.
        TestRepos.git(repos, "clone", "-q", "--bare", repo.toString(), repos.resolve("trainer.git").toString());
    }

    private int localize(String... args) {
        List<String> all = new ArrayList<>(List.of("--code-root", code.toString(), "--models-root", work.resolve("models").toString(),
                "--max-attempts", "2"));
        all.addAll(List.of(args));
        return Localizer.run(all.toArray(String[]::new));
    }

    /** A third commit on main, pushed to the served repository: the second is then named by no ref. */
    private String commitNoRefNames() throws Exception {
        Path repo = repos.resolve("trainer");
        TestRepos.git(repo, "commit", "-q", "--allow-empty", "-m", "third");
        TestRepos.git(repo, "push", "-q", repos.resolve("trainer.git").toString(), "main");
        return TestRepos.git(repo, "rev-parse", "HEAD~1");
    }

    private String checkedOut(String name) throws Exception {
        return TestRepos.git(code.resolve(name), "rev-parse", "HEAD");
    }

    @Test
    void gitDaemon() throws Exception {
        int port = Fixtures.freePort();
        try (ExternalServer daemon = new ExternalServer("git daemon", List.of("git", "daemon", "--reuseaddr", "--export-all",
                "--listen=127.0.0.1", "--port=" + port, "--base-path=" + repos, repos.toString()), Map.of(), port,
                work.resolve("daemon.log"), Duration.ofSeconds(30))) {
            daemon.start();
            assertThat(localize("--url", "git://127.0.0.1:" + port + "/trainer.git")).isZero();
            assertThat(checkedOut("trainer")).isEqualTo(head);

            // A commit asked for by its SHA, which no ref names, comes alone at the depth asked for
            // (protocol v2 allows that), not with all history.
            String pinned = commitNoRefNames();
            assertThat(localize("--url", "git://127.0.0.1:" + port + "/trainer.git", "--name", "pinned", "--ref", pinned)).isZero();
            assertThat(checkedOut("pinned")).isEqualTo(pinned);
            assertThat(TestRepos.git(code.resolve("pinned"), "rev-list", "--all", "--count")).as("commits fetched").isEqualTo("1");
            assertThat(TestRepos.git(code.resolve("pinned"), "status", "--porcelain")).isEmpty();

            // A submodule on a server, not on this machine, needs no permission.
            Path app = TestRepos.withSubmodules(repos.resolve("app"), Map.of("trainer", "git://127.0.0.1:" + port + "/trainer.git"));
            TestRepos.git(repos, "clone", "-q", "--bare", app.toString(), repos.resolve("app.git").toString());
            assertThat(localize("--url", "git://127.0.0.1:" + port + "/app.git", "--name", "app", "--submodules", "shallow")).isZero();
            assertThat(Files.readString(code.resolve("app/trainer/README.md"))).isEqualTo("second\n");

            // A repository the daemon does not serve, and a commit no branch or tag has: wrong settings, not retried.
            LoggedRun missing = LoggedRun.of(() -> localize("--url", "git://127.0.0.1:" + port + "/no-such.git", "--name", "missing"));
            assertThat(missing.exit()).as(missing.log()).isEqualTo(ExitCode.CONFIG.code());
            assertThat(missing.log()).contains("(git://127.0.0.1:" + port + "/no-such.git): a repository it needs is not there")
                    .doesNotContain("attempt 1 of");
            LoggedRun noCommit = LoggedRun.of(() -> localize("--url", "git://127.0.0.1:" + port + "/trainer.git", "--name", "no-commit",
                    "--ref", "0123456789abcdef0123456789abcdef01234567"));
            assertThat(noCommit.exit()).isEqualTo(ExitCode.CONFIG.code());
            assertThat(noCommit.log()).contains("has no commit 0123456789abcdef0123456789abcdef01234567").doesNotContain("attempt 1 of");
        }
    }

    @Test
    void theRemoteIsAskedForItsRefsOnlyWhenThatCanSaveWork() throws Exception {
        Path userFile = Files.writeString(work.resolve("user"), "alice");
        Path passwordFile = Files.writeString(work.resolve("password"), "pw-4d1c");
        try (SmartHttpGitServer server = new SmartHttpGitServer(repos, "alice", "pw-4d1c")) {
            String[] args = {"--url", server.url("trainer.git"), "--username-file", userFile.toString(), "--password-file", passwordFile.toString()};
            assertThat(localize(args)).isZero();
            // One to resolve the ref, one for the clone; none to compare with an earlier localization, as there is none.
            assertThat(server.refAdvertisements()).isEqualTo(2);
            assertThat(localize(args)).isZero();
            assertThat(server.refAdvertisements()).as("the target holds the commit: one ls-remote, no clone").isEqualTo(3);

            LoggedRun missing = LoggedRun.of(() -> localize("--url", server.url("no-such.git"), "--name", "missing", "--username-file",
                    userFile.toString(), "--password-file", passwordFile.toString()));
            assertThat(missing.exit()).as(missing.log()).isEqualTo(ExitCode.CONFIG.code());
            assertThat(missing.log()).contains("(" + server.url("no-such.git") + "): a repository it needs is not there").doesNotContain("attempt 1 of");
        }
    }

    @Test
    void aCommitAnOlderServerWillNotSendAloneComesWithAllHistory() throws Exception {
        String pinned = commitNoRefNames();
        try (SshGitServer v0 = new SshGitServer(false)) {
            Path key = v0.writeClientKey(work.resolve("id_ecdsa"));
            Path knownHosts = v0.writeKnownHosts(work.resolve("known_hosts"));
            assertThat(localize("--url", v0.url(repos.resolve("trainer.git")), "--ref", pinned, "--ssh-key-file", key.toString(),
                    "--known-hosts-file", knownHosts.toString())).isZero();
            assertThat(checkedOut("trainer")).isEqualTo(pinned);
            assertThat(TestRepos.git(code.resolve("trainer"), "rev-list", "--all", "--count")).as("all history, then reset").isEqualTo("3");
            assertThat(TestRepos.git(code.resolve("trainer"), "status", "--porcelain")).isEmpty();

            // The same for a submodule recorded at that commit, fetched over ssh under a file:// repository.
            Path app = TestRepos.withSubmodules(repos.resolve("app"), Map.of("trainer", repos.resolve("trainer.git").toString()));
            TestRepos.git(app.resolve("trainer"), "checkout", "-q", pinned);
            TestRepos.git(app, "config", "-f", ".gitmodules", "submodule.trainer.url", v0.url(repos.resolve("trainer.git")));
            TestRepos.git(app, "commit", "-q", "-am", "app pins trainer");
            assertThat(localize("--url", "file://" + app, "--name", "app", "--submodules", "shallow", "--ssh-key-file", key.toString(),
                    "--known-hosts-file", knownHosts.toString())).isZero();
            assertThat(checkedOut("app/trainer")).isEqualTo(pinned);
            assertThat(TestRepos.git(code.resolve("app/trainer"), "rev-list", "--all", "--count")).as("all history, then reset").isEqualTo("3");
            assertThat(TestRepos.git(code.resolve("app"), "status", "--porcelain")).isEmpty();
        }
    }

    /**
     * A git server that takes the connection and then sends nothing (a hung forge, a half-dead
     * proxy), stood in for by a socket that accepts and holds: each attempt gives up after
     * --git-stall-timeout and is retried, where JGit alone would wait until --timeout (over
     * git://, even with its timeout set: it interrupts the reading thread, which does not unblock
     * a socket read on JDK 17; AnonymousGitTransport's socket has the timeout itself).
     */
    @ParameterizedTest
    @ValueSource(strings = {"http", "git"})
    void aServerThatStallsIsGivenUpOnAndRetried(String scheme) throws Exception {
        try (HoldingServer server = new HoldingServer()) {
            long started = System.nanoTime();
            int exit = localize("--url", scheme + "://127.0.0.1:" + server.port() + "/trainer.git", "--name", "stalled",
                    "--git-stall-timeout", "PT1S", "--timeout", "PT60S");
            assertThat(exit).isEqualTo(ExitCode.UNREACHABLE.code());
            assertThat(server.connections()).as("a connection per attempt (--max-attempts 2)").isEqualTo(2);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("ended by the stall timeout, not --timeout")
                    .isLessThan(Duration.ofSeconds(30));
            assertThat(code.resolve("stalled")).doesNotExist();
        }
    }

    /**
     * The same over ssh, stalled at either end of the handshake: a server that accepts and never
     * sends its identification (MINA bounds the handshake by its own authentication timeout, two
     * minutes, unless told otherwise), and one that lets the client in, then answers nothing.
     */
    @Test
    void anSshServerThatStallsIsGivenUpOnAndRetried() throws Exception {
        try (SshGitServer silent = SshGitServer.silent(); HoldingServer holding = new HoldingServer()) {
            String key = silent.writeClientKey(work.resolve("id_ecdsa")).toString();
            String knownHosts = silent.writeKnownHosts(work.resolve("known_hosts")).toString();
            for (String url : List.of("ssh://git@127.0.0.1:" + holding.port() + "/trainer.git", silent.url(repos.resolve("trainer.git")))) {
                long started = System.nanoTime();
                int exit = localize("--url", url, "--name", "stalled", "--ssh-key-file", key, "--known-hosts-file", knownHosts,
                        "--git-stall-timeout", "PT1S", "--timeout", "PT60S");
                assertThat(exit).as(url).isEqualTo(ExitCode.UNREACHABLE.code());
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as(url + ": ended by the stall timeout, not --timeout")
                        .isLessThan(Duration.ofSeconds(30));
                assertThat(code.resolve("stalled")).doesNotExist();
            }
            assertThat(holding.connections()).as("a connection per attempt (--max-attempts 2)").isEqualTo(2);
        }
    }

    /**
     * A git server that reports its own disk full (an ERR line, as a server hook may send) is
     * the server's failure, retried: not the pod's volume, which would be a configuration error.
     */
    @Test
    void aServerWhoseDiskIsFullIsNotTakenForThePodsVolume() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket client = server.accept()) {
                            byte[] line = "ERR upload-pack: No space left on device\n".getBytes(StandardCharsets.UTF_8);
                            client.getOutputStream().write(String.format("%04x", line.length + 4).getBytes(StandardCharsets.US_ASCII));
                            client.getOutputStream().write(line);
                            client.getOutputStream().flush();
                        }
                    }
                } catch (IOException closed) {
                    // The test is over.
                }
            }, "full-disk-server");
            answering.setDaemon(true);
            answering.start();
            LoggedRun run = LoggedRun.of(() -> localize("--url", "git://127.0.0.1:" + server.getLocalPort() + "/trainer.git", "--name", "full"));
            assertThat(run.exit()).as(run.log()).isEqualTo(ExitCode.UNREACHABLE.code());
            assertThat(run.log()).contains("No space left on device").doesNotContain("the volume at");
            assertThat(code.resolve("full")).doesNotExist();
        }
    }

    /**
     * A pod that reaches the internet through a proxy names it in HTTP_PROXY, as git and curl
     * read it: git over smart HTTP and an archive over http go through it (to hosts only the
     * proxy can reach), and loopback does not. Run as its own process: the proxy settings are the
     * JVM's, for good.
     */
    @Test
    void sourcesGoThroughTheProxyThePodNames() throws Exception {
        byte[] archive = Files.readAllBytes(Path.of(getClass().getResource("/testdata/archives/tarsafe_good/archive.tar").toURI()));
        com.sun.net.httpserver.HttpServer files = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        files.createContext("/data.tar", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, archive.length);
                exchange.getResponseBody().write(archive);
            }
        });
        files.start();
        Path password = Files.writeString(work.resolve("password"), "proxy-test-pass");
        Path user = Files.writeString(work.resolve("user"), "alice");
        try (SmartHttpGitServer git = new SmartHttpGitServer(repos, "alice", "proxy-test-pass"); RelayingProxy proxy = new RelayingProxy()) {
            String gitUrl = git.url("trainer.git").replace("127.0.0.1", "git.example.invalid");
            String archiveUrl = "http://files.example.invalid:" + files.getAddress().getPort() + "/data.tar";
            String direct = "http://127.0.0.1:" + files.getAddress().getPort() + "/data.tar";
            Path spec = Files.writeString(work.resolve("spec.yaml"), String.join("\n", "sources:",
                    "  - {name: trainer, type: git, url: '" + gitUrl + "', credentials: {username-file: '" + user + "', password-file: '" + password + "'}}",
                    "  - {name: data, type: archive, url: '" + archiveUrl + "'}",
                    "  - {name: direct, type: archive, url: '" + direct + "'}", ""));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Localizer.class.getName(),
                    "--code-root", code.toString(), "--spec-file", spec.toString(), "--max-attempts", "1").redirectErrorStream(true);
            builder.environment().put("HTTP_PROXY", "http://127.0.0.1:" + proxy.port());
            builder.environment().put("NO_PROXY", ".cluster.local,10.0.0.0/8");
            Process localizer = builder.start();
            String output = new String(localizer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(localizer.waitFor()).as(output).isZero();
            assertThat(checkedOut("trainer")).isEqualTo(head);
            assertThat(code.resolve("data/evil.sh")).exists();
            assertThat(code.resolve("direct/evil.sh")).exists();
            assertThat(proxy.requested()).anyMatch(url -> url.startsWith(gitUrl)).contains(archiveUrl).noneMatch(url -> url.contains("127.0.0.1"));
        } finally {
            files.stop(0);
        }
    }

    /** A name that does not resolve (a pod's DNS not ready yet, a typo) is retried, and said to be an unknown host. */
    @Test
    void aGitDaemonWhoseHostDoesNotResolveIsRetriedAndNamed() throws Exception {
        LoggedRun run = LoggedRun.of(() -> localize("--url", "git://no-such-host.invalid/trainer.git", "--name", "nowhere"));
        assertThat(run.exit()).isEqualTo(ExitCode.UNREACHABLE.code());
        assertThat(run.log()).contains("unknown host").contains("attempt 1");
        assertThat(code.resolve("nowhere")).doesNotExist();
    }

    @Test
    void smartHttpWithBasicAuthKeepsTheCredentialsOutOfEverything() throws Exception {
        String password = "s3cret-http-pass-77";
        Path passwordFile = Files.writeString(work.resolve("password"), password + "\n");
        Path userFile = Files.writeString(work.resolve("user"), "alice");
        Path termination = work.resolve("termination-log");
        try (SmartHttpGitServer server = new SmartHttpGitServer(repos, "alice", password)) {
            assertThat(localize("--url", server.url("trainer.git"), "--username-file", userFile.toString(),
                    "--password-file", passwordFile.toString())).isZero();
            assertThat(checkedOut("trainer")).isEqualTo(head);
            assertThat(Files.readString(code.resolve("trainer/.git/config"))).doesNotContain(password);
            // Read from its file, the password is masked in whatever the program writes from then on, whatever quotes it.
            assertThat(Redactor.global().redact("the server said: " + password)).doesNotContain(password);

            String inUrl = server.url("trainer.git").replace("http://", "http://alice:" + password + "@");
            assertThat(localize("--url", inUrl, "--name", "inline")).isZero();
            assertThat(Files.readString(code.resolve("inline/.git/config"))).doesNotContain(password);
            assertThat(Files.readString(code.resolve(".localized.json"))).doesNotContain(password);

            Path wrong = Files.writeString(work.resolve("wrong"), "not-the-password-99");
            LoggedRun denied = LoggedRun.of(() -> localize("--url", server.url("trainer.git"), "--name", "denied", "--username-file",
                    userFile.toString(), "--password-file", wrong.toString()));
            assertThat(denied.exit()).isEqualTo(ExitCode.AUTH.code());
            assertThat(code.resolve("denied")).doesNotExist();
            assertThat(denied.log()).doesNotContain("not-the-password-99").doesNotContain(password);
        }
        // A password given only inside the URL is masked on its own as well.
        try (SmartHttpGitServer server = new SmartHttpGitServer(repos, "bob", "only-in-the-url-4242")) {
            String inUrl = server.url("trainer.git").replace("http://", "http://bob:only-in-the-url-4242@");
            assertThat(localize("--url", inUrl, "--name", "url-only")).isZero();
            assertThat(Redactor.global().redact("the server said: only-in-the-url-4242")).doesNotContain("only-in-the-url-4242");
        }
    }

    @Test
    void sshWithAKeyChecksTheHostKey() throws Exception {
        try (SshGitServer server = new SshGitServer()) {
            Path key = server.writeClientKey(work.resolve("id_ecdsa"));
            Path knownHosts = server.writeKnownHosts(work.resolve("known_hosts"));
            String url = server.url(repos.resolve("trainer.git"));

            assertThat(localize("--url", url, "--ssh-key-file", key.toString(), "--known-hosts-file", knownHosts.toString())).isZero();
            assertThat(checkedOut("trainer")).isEqualTo(head);

            Path empty = Files.writeString(work.resolve("empty_known_hosts"), "");
            assertThat(localize("--url", url, "--name", "unknown-host", "--ssh-key-file", key.toString(), "--known-hosts-file", empty.toString()))
                    .isEqualTo(ExitCode.AUTH.code());
            assertThat(code.resolve("unknown-host")).doesNotExist();

            assertThat(localize("--url", url, "--name", "opted-out", "--ssh-key-file", key.toString(), "--known-hosts-file", empty.toString(),
                    "--insecure-skip-host-key-check")).isZero();
            assertThat(checkedOut("opted-out")).isEqualTo(head);

            LoggedRun missing = LoggedRun.of(() -> localize("--url", server.url(repos.resolve("no-such.git")), "--name", "missing",
                    "--ssh-key-file", key.toString(), "--known-hosts-file", knownHosts.toString()));
            assertThat(missing.exit()).as(missing.log()).isEqualTo(ExitCode.CONFIG.code());
            assertThat(missing.log()).contains("a repository it needs is not there").doesNotContain("attempt 1 of");
        }
    }

    /** A TCP server that accepts every connection and never sends a byte. */
    static final class HoldingServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        HoldingServer() throws IOException {
            Thread accepting = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept());
                    }
                } catch (IOException closed) {
                    // The test is over.
                }
            }, "holding-server");
            accepting.setDaemon(true);
            accepting.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return held.size();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
