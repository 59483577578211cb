package io.submarine.storage.hdfs;

import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * {@code hdfs://}. Settings: {@code hdfs.conf-dir} (default: {@code $HADOOP_CONF_DIR}) for
 * core-site.xml and hdfs-site.xml; {@code hdfs.kerberos-principal} with {@code hdfs.keytab-file}
 * for a Kerberos login; otherwise {@code hdfs.user} (simple authentication), else the
 * process's user. Any {@code hdfs.conf.<hadoop key>} setting is passed to the client as is.
 */
public final class HdfsBlobStoreProvider implements BlobStoreProvider {

    private static final String PASSTHROUGH = "hdfs.conf.";

    private static final String FIRST_CLOSE_POLL = "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";
    private static final String PACKETS_IN_FLIGHT = "dfs.client.write.max-packets-in-flight";

    @Override
    public Set<String> schemes() {
        return Set.of("hdfs");
    }

    @Override
    public BlobStore create(StorageConfig config) throws IOException {
        Configuration conf = new Configuration();
        // Hadoop closes every FileSystem in its own JVM shutdown hook, which would cut off the
        // uploads a sidecar makes after SIGTERM; the store is closed by whoever owns it instead.
        conf.setBoolean("fs.automatic.close", false);
        Optional<String> confDir = config.get("hdfs.conf-dir").or(() -> Optional.ofNullable(System.getenv("HADOOP_CONF_DIR")));
        if (confDir.isPresent()) {
            java.nio.file.Path dir = java.nio.file.Path.of(confDir.get());
            if (!Files.isDirectory(dir)) {
                throw new StorageConfigException("hdfs.conf-dir (or HADOOP_CONF_DIR) names " + dir + ", which is not a directory");
            }
            for (String file : new String[] {"core-site.xml", "hdfs-site.xml"}) {
                if (Files.isRegularFile(dir.resolve(file))) {
                    conf.addResource(new Path(dir.resolve(file).toUri()));
                }
            }
        }
        // Closing a file polls the name node until the last block is reported, first after 400 ms
        // by default; writers of many files in a row (log segments, model files) wait on that
        // poll far longer than on the data. The data node reports a finished block within a few
        // milliseconds, and the poll's wait doubles from there: 10 ms costs a name node an RPC or
        // two more per file and took a 16 MiB file's close from 60 ms to 15 (MiniDFSCluster;
        // 50 ms waited a full poll most of the time).
        setUnlessConfigured(conf, FIRST_CLOSE_POLL, 10);
        // A writer keeps up to this many 64 KiB packets queued for the data nodes (80 by default,
        // 5 MiB), each a new array that outlives a young collection of a sidecar's small heap and
        // so fills its old generation: shipping 2 GiB of logs cost 35 full collections and 0.7 s
        // of pauses with 80, 8 and 0.2 s with 16. 1 MiB in flight still covers a pipeline's
        // round trips at hundreds of MB/s.
        setUnlessConfigured(conf, PACKETS_IN_FLIGHT, 16);
        config.withPrefix(PASSTHROUGH).forEach(conf::set);
        Optional<String> principal = config.get("hdfs.kerberos-principal");
        Optional<String> keytab = config.get("hdfs.keytab-file");
        if (principal.isPresent() != keytab.isPresent()) {
            throw new StorageConfigException("set both hdfs.kerberos-principal and hdfs.keytab-file for a Kerberos login, or neither");
        }
        UserGroupInformation user;
        if (principal.isPresent()) {
            if (!Files.isReadable(java.nio.file.Path.of(keytab.get()))) {
                throw new StorageConfigException("hdfs.keytab-file names " + keytab.get() + ", which cannot be read");
            }
            conf.set("hadoop.security.authentication", "kerberos");
            UserGroupInformation.setConfiguration(conf);
            user = UserGroupInformation.loginUserFromKeytabAndReturnUGI(principal.get(), keytab.get());
        } else if (config.get("hdfs.user").isPresent()) {
            user = UserGroupInformation.createRemoteUser(config.get("hdfs.user").get());
        } else {
            user = UserGroupInformation.getCurrentUser();
        }
        return new HdfsBlobStore(conf, user);
    }

    /** Our default for {@code key}, unless the site's configuration files set it. */
    private static void setUnlessConfigured(Configuration conf, String key, int value) {
        String[] sources = conf.getPropertySources(key);
        if (sources == null || java.util.Arrays.stream(sources).allMatch(source -> source.endsWith("-default.xml"))) {
            conf.setInt(key, value);
        }
    }
}
