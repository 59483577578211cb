package io.submarine.localizer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which submodule URLs point at this machine: the ones git's protocol.file.allow=user refuses for submodules. */
class SubmoduleUrlTest {

    @Test
    void fileUrlsAndPathsAreOnThisMachine() {
        assertThat(GitFetcher.isOnThisMachine("file:///srv/git/secrets.git")).isTrue();
        assertThat(GitFetcher.isOnThisMachine("FILE:///srv/git/secrets.git")).isTrue();
        assertThat(GitFetcher.isOnThisMachine("/srv/git/secrets.git")).isTrue();
        assertThat(GitFetcher.isOnThisMachine("../secrets")).isTrue();
        assertThat(GitFetcher.isOnThisMachine("./lib:v2")).as("a colon after a slash is a path").isTrue();
    }

    @Test
    void serversAreNot() {
        assertThat(GitFetcher.isOnThisMachine("https://github.com/org/lib.git")).isFalse();
        assertThat(GitFetcher.isOnThisMachine("git://git.example.org/lib.git")).isFalse();
        assertThat(GitFetcher.isOnThisMachine("ssh://git@git.example.org:2222/lib.git")).isFalse();
        assertThat(GitFetcher.isOnThisMachine("git@github.com:org/lib.git")).as("scp-like").isFalse();
    }
}
