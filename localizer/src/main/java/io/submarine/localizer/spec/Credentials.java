package io.submarine.localizer.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /**
     * Checks that every file named can be read, so that a secret not mounted (or mounted at
     * another path) is a configuration error before anything is fetched, not a failure mid-run.
     */
    public void checkReadable(String source) {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("username-file", usernameFile);
        files.put("password-file", passwordFile);
        files.put("token-file", tokenFile);
        files.put("ssh-key-file", sshKeyFile);
        files.put("known-hosts-file", knownHostsFile);
        files.put("headers-file", headersFile);
        files.forEach((name, file) -> {
            if (file != null && !(Files.isRegularFile(file) && Files.isReadable(file))) {
                throw new SpecException("source '" + source + "': " + name + " " + file + " is not a readable file: mount the secret there, or fix the path");
            }
        });
    }
}
