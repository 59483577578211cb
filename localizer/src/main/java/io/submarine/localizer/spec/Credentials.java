package io.submarine.localizer.spec;

import java.nio.file.Path;

/**
 * Where a source's secrets are: files only, never values, so they can't leak through a pod spec.
 * For git over https: a token, or a username with a password. For ssh: a private key and the
 * known hosts; {@code insecureSkipHostKeyCheck} is the explicit, logged opt-out. For archives,
 * files and models over http(s): a headers file of {@code Name: value} lines.
 */
public record Credentials(Path usernameFile, Path passwordFile, Path tokenFile, Path sshKeyFile, Path knownHostsFile,
        boolean insecureSkipHostKeyCheck, Path headersFile) {

    public static final Credentials NONE = new Credentials(null, null, null, null, null, false, null);

    public Credentials {
        if (passwordFile != null && usernameFile == null) {
            throw new SpecException("password-file needs username-file too");
        }
        if (tokenFile != null && passwordFile != null) {
            throw new SpecException("set token-file or username-file with password-file, not both");
        }
    }
}
