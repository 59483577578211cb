package io.submarine.storage.hdfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.StorageConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client settings the provider changes from Hadoop's defaults, that a site's own files and
 * explicit settings still win, and what a location without a name node needs.
 */
class HdfsClientDefaultsTest {

    private static final String CLOSE_POLL = "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";
    private static final String PACKETS = "dfs.client.write.max-packets-in-flight";

    @Test
    void providerShortensTheFirstClosePollAndThePacketQueue(@TempDir Path emptyConfDir) throws Exception {
        // An empty configuration directory, so a HADOOP_CONF_DIR of the machine running the test cannot interfere.
        Configuration conf = configurationOf(StorageConfig.of(Map.of("hdfs.conf-dir", emptyConfDir.toString())));

        assertThat(conf.getInt(CLOSE_POLL, -1)).isEqualTo(10);
        assertThat(conf.getInt(PACKETS, -1)).isEqualTo(16);
    }

    @Test
    void siteFilesAndExplicitSettingsWin(@TempDir Path confDir) throws Exception {
        Files.writeString(confDir.resolve("hdfs-site.xml"), """
                <configuration>
                  <property><name>%s</name><value>40</value></property>
                </configuration>
                """.formatted(PACKETS));

        Configuration site = configurationOf(StorageConfig.of(Map.of("hdfs.conf-dir", confDir.toString())));
        Configuration explicit = configurationOf(StorageConfig.of(Map.of("hdfs.conf." + CLOSE_POLL, "100")));

        assertThat(site.getInt(PACKETS, -1)).isEqualTo(40);
        assertThat(site.getInt(CLOSE_POLL, -1)).isEqualTo(10);
        assertThat(explicit.getInt(CLOSE_POLL, -1)).isEqualTo(100);
        assertThat(explicit.getInt(PACKETS, -1)).isEqualTo(16);
    }

    @Test
    void aLocationWithoutANameNodeNeedsAnHdfsDefaultFileSystem(@TempDir Path emptyConfDir) throws Exception {
        try (HdfsBlobStore store = (HdfsBlobStore) new HdfsBlobStoreProvider().create(StorageConfig.of(Map.of("hdfs.conf-dir", emptyConfDir.toString())))) {
            // Hadoop itself would say "IOException: Incomplete HDFS URI, no host", and the call would be retried as a lost connection.
            assertThatThrownBy(() -> store.stat(Location.of("hdfs:///data/train.log")))
                    .isInstanceOf(StorageConfigException.class)
                    .hasMessageContaining("write hdfs://namenode:8020/path");
        }
    }

    /** Creating a store connects to nothing: clients start with the first call to a cluster. */
    private static Configuration configurationOf(StorageConfig config) throws Exception {
        try (HdfsBlobStore store = (HdfsBlobStore) new HdfsBlobStoreProvider().create(config)) {
            return store.configuration();
        }
    }
}
