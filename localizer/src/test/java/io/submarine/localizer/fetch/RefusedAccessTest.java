package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which transport failures are refused credentials or host keys (exit 4, not retried), as JGit and MINA word them. */
class RefusedAccessTest {

    @Test
    void refusalsAreKnownByWhatTheySay() {
        assertThat(GitFetcher.refusedAccess("https://git.example.org/org/app.git: not authorized")).isTrue();
        assertThat(GitFetcher.refusedAccess("https://git.example.org/org/app.git: Authentication is required but no CredentialsProvider "
                + "has been registered")).isTrue();
        assertThat(GitFetcher.refusedAccess("https://git.example.org/org/app.git: git-upload-pack not permitted on "
                + "'https://git.example.org/org/app.git/'")).as("JGit's 403").isTrue();
        assertThat(GitFetcher.refusedAccess("https://git.example.org/org/app.git: 401 Unauthorized")).isTrue();
        assertThat(GitFetcher.refusedAccess("ssh://git@git.example.org:22/app.git: Server key did not validate")).isTrue();
        assertThat(GitFetcher.refusedAccess("git@github.com:org/app.git: Auth fail")).isTrue();
    }

    @Test
    void whatTheUrlSaysCountsForNothing() {
        assertThat(GitFetcher.refusedAccess("http://127.0.0.1:40303/trainer.git: Connection time out: 127.0.0.1")).as("a port").isFalse();
        assertThat(GitFetcher.refusedAccess("https://github.com/org/authentication-service.git: Connection reset")).isFalse();
        assertThat(GitFetcher.refusedAccess("https://git.example.org/401/app.git: Read timed out")).isFalse();
        assertThat(GitFetcher.refusedAccess("git@github.com:org/host-key-tools.git: Connection refused")).isFalse();
    }
}
