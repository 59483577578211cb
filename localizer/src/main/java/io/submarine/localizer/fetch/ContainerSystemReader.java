package io.submarine.localizer.fetch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * What JGit learns from the machine, given instead, for a program that runs once in a fresh
 * container: there JGit finds none of the caches it keeps in the user's home, and learning it all
 * again cost every clone more than the clone itself.
 * <ul>
 *   <li>A file system's timestamp resolution (for racy-git checks) is not measured: JGit measures
 *       it for 3 s on first use and caches it in {@code $XDG_CONFIG_HOME/jgit/config}, which a new
 *       pod never has. It is taken as 2 s, JGit's own value where it cannot measure, safe on any
 *       file system: files written within 2 s of the index are marked for a content check, which
 *       the first {@code git status} in the pod does once.
 *   <li>No system config: JGit finds {@code /etc/gitconfig} by running {@code git}, which the image
 *       lacks; elsewhere the localizer should not depend on the machine's git either.
 * </ul>
 * The user's own {@code ~/.gitconfig}, if the pod mounts one, is still read.
 */
final class ContainerSystemReader extends SystemReader.Delegate {

    private static final String ASSUMED_RESOLUTION = "2 seconds";

    private final FileBasedConfig jgitConfig = inMemory(null);

    private ContainerSystemReader(SystemReader delegate) {
        super(delegate);
    }

    /** Installs it as JGit's reader, once per process. */
    static synchronized ContainerSystemReader install() {
        if (SystemReader.getInstance() instanceof ContainerSystemReader installed) {
            return installed;
        }
        ContainerSystemReader reader = new ContainerSystemReader(SystemReader.getInstance());
        SystemReader.setInstance(reader);
        return reader;
    }

    /** Gives JGit the attributes of the file system {@code dir} (or its nearest existing parent) is on. */
    void fileSystemOf(Path dir) throws IOException {
        Path existing = dir.toAbsolutePath();
        while (!Files.exists(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        // The key JGit looks the attributes up by (documented with its config options).
        String key = System.getProperty("java.vendor") + '|' + System.getProperty("java.version") + '|' + Files.getFileStore(existing).name();
        synchronized (jgitConfig) {
            if (jgitConfig.getString(ConfigConstants.CONFIG_FILESYSTEM_SECTION, key, ConfigConstants.CONFIG_KEY_TIMESTAMP_RESOLUTION) == null) {
                jgitConfig.setString(ConfigConstants.CONFIG_FILESYSTEM_SECTION, key, ConfigConstants.CONFIG_KEY_TIMESTAMP_RESOLUTION, ASSUMED_RESOLUTION);
            }
        }
    }

    @Override
    public FileBasedConfig openSystemConfig(Config parent, FS fs) {
        return inMemory(parent);
    }

    @Override
    public FileBasedConfig openJGitConfig(Config parent, FS fs) {
        return jgitConfig;
    }

    /** A config that no file backs: nothing to load, never outdated, saved nowhere. */
    private static FileBasedConfig inMemory(Config parent) {
        return new FileBasedConfig(parent, null, FS.DETECTED) {
            @Override
            public void load() {
                // Nothing to read.
            }

            @Override
            public void save() {
                // Nowhere to write.
            }

            @Override
            public boolean isOutdated() {
                return false;
            }
        };
    }
}
