package io.submarine.storage.hdfs;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.WriteMode;
import io.submarine.storage.testing.BlobStoreContractTest;
import io.submarine.storage.testing.ServerControl;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hdfs:// against a real name node and data node: MiniDFSCluster in the test JVM. */
class HdfsBlobStoreContractTest extends BlobStoreContractTest {

    private static final int PAGE_SIZE = 4;

    @TempDir
    static Path work;

    private static MiniDFSCluster cluster;
    private static BlobStore store;
    private static BlobStore intruderStore;
    private static String authority;

    @BeforeAll
    static void startCluster() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
        // Small listing pages on the name node, so listings cross pages.
        conf.setInt("dfs.ls.limit", PAGE_SIZE);
        conf.setBoolean("dfs.permissions.enabled", true);
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        authority = "127.0.0.1:" + cluster.getNameNodePort();
        try (FileSystem admin = cluster.getFileSystem()) {
            // Owned by the user running the tests, closed to everyone else.
            admin.mkdirs(new org.apache.hadoop.fs.Path("/contract"), new FsPermission((short) 0700));
            admin.setPermission(new org.apache.hadoop.fs.Path("/contract"), new FsPermission((short) 0700));
        }
        Map<String, String> client = Map.of(
                // Give up on a dead name node within seconds, not minutes.
                "hdfs.conf.ipc.client.connect.max.retries", "1",
                "hdfs.conf.ipc.client.connect.retry.interval", "200",
                "hdfs.conf.dfs.client.block.write.replace-datanode-on-failure.enable", "false");
        store = new HdfsBlobStoreProvider().create(StorageConfig.of(client));
        intruderStore = new HdfsBlobStoreProvider().create(StorageConfig.of(Map.of("hdfs.user", "intruder")));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (store != null) {
            store.close();
            intruderStore.close();
        }
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected Location root() {
        return Location.of("hdfs://" + authority + "/contract/");
    }

    @Override
    protected int listPageSize() {
        return PAGE_SIZE;
    }

    @Override
    protected Optional<ServerControl> serverControl() {
        return Optional.of(new ServerControl() {
            @Override
            public void kill() {
                cluster.shutdownNameNode(0);
            }

            @Override
            public void start() throws Exception {
                cluster.restartNameNode(true);
                cluster.waitActive();
            }
        });
    }

    @Override
    protected List<String> awkwardNames() {
        // HDFS forbids ':' in names (DFSUtil.isValidName); the store says so instead of failing obscurely.
        return super.awkwardNames().stream().filter(name -> !name.contains(":")).toList();
    }

    @Test
    void colonInANameIsAClearError() {
        assertThatThrownBy(() -> write(at("a:b"), new byte[] {1}, WriteMode.OVERWRITE))
                .isInstanceOf(StorageConfigException.class)
                .hasMessageContaining("HDFS does not allow ':'");
    }

    @Override
    protected Optional<WrongCredentials> wrongCredentials() {
        // Simple authentication has no secret: the wrong credential is another user, refused by
        // the directory's permissions. (A Kerberos keytab would need a KDC, which doesn't run here.)
        return Optional.of(new WrongCredentials(intruderStore, "intruder-has-no-secret"));
    }
}
