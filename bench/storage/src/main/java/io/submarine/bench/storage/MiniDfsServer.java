package io.submarine.bench.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A name node and a data node in their own JVM, so their heap is not counted against the
 * client's 256 MiB. Writes the name node's port to a file, then serves until killed.
 */
public final class MiniDfsServer {
    private MiniDfsServer() {}

    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, args[0]);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        Path portFile = Path.of(args[1]);
        Path aside = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(aside, Integer.toString(cluster.getNameNodePort()));
        Files.move(aside, portFile);
        Thread.currentThread().join();
    }
}
