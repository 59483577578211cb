package io.submarine.storage.vfs;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.vfs2.FileSystemOptions;
import org.apache.commons.vfs2.auth.StaticUserAuthenticator;
import org.apache.commons.vfs2.impl.DefaultFileSystemConfigBuilder;
import org.apache.commons.vfs2.impl.StandardFileSystemManager;
import org.apache.commons.vfs2.provider.sftp.IdentityInfo;
import org.apache.commons.vfs2.provider.sftp.SftpFileSystemConfigBuilder;

/**
 * Read-only {@code sftp} and {@code ftp} sources (http(s) is {@code HttpBlobStoreProvider}'s). SFTP checks the
 * server's key against {@code vfs.sftp-known-hosts} (default {@code ~/.ssh/known_hosts});
 * {@code vfs.sftp-strict-host-key-checking=false} is the explicit opt-out. Credentials from
 * files: {@code vfs.sftp-key-file}, {@code vfs.password-file} (with {@code vfs.user}); a
 * password inside the URL also works and is never logged.
 */
public final class VfsBlobStoreProvider implements BlobStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("sftp", "ftp");
    }

    @Override
    public BlobStore create(StorageConfig config) throws IOException {
        StandardFileSystemManager manager = new StandardFileSystemManager();
        manager.init();
        FileSystemOptions options = new FileSystemOptions();
        SftpFileSystemConfigBuilder sftp = SftpFileSystemConfigBuilder.getInstance();
        boolean strict = config.getBoolean("vfs.sftp-strict-host-key-checking", true);
        sftp.setStrictHostKeyChecking(options, strict ? "yes" : "no");
        sftp.setUserDirIsRoot(options, false);
        // VFS otherwise runs "id -u" over an exec channel, which SFTP-only servers never answer.
        sftp.setDisableDetectExecChannel(options, true);
        sftp.setSessionTimeout(options, Duration.ofSeconds(30));
        Path knownHosts = config.get("vfs.sftp-known-hosts").map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"));
        if (strict && Files.isRegularFile(knownHosts)) {
            sftp.setKnownHosts(options, knownHosts.toFile());
        } else if (strict && config.get("vfs.sftp-known-hosts").isPresent()) {
            throw new StorageConfigException("vfs.sftp-known-hosts names " + knownHosts + ", which is not a file");
        }
        Optional<String> keyFile = config.get("vfs.sftp-key-file");
        if (keyFile.isPresent()) {
            File key = new File(keyFile.get());
            if (!key.canRead()) {
                throw new StorageConfigException("vfs.sftp-key-file names " + key + ", which cannot be read");
            }
            sftp.setIdentityProvider(options, new IdentityInfo(key));
        }
        Optional<String> password = config.secret("vfs.password-file");
        if (password.isPresent()) {
            String user = config.get("vfs.user").orElseThrow(() ->
                    new StorageConfigException("vfs.password-file is set; also set vfs.user"));
            DefaultFileSystemConfigBuilder.getInstance().setUserAuthenticator(options,
                    new StaticUserAuthenticator(null, user, password.get()));
        }
        return new VfsBlobStore(manager, options);
    }
}
