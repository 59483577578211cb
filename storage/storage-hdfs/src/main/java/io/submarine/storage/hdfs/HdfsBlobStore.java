package io.submarine.storage.hdfs;

import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BoundedInputStream;
import io.submarine.storage.Location;
import io.submarine.storage.StagingFiles;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.SupportsAppend;
import io.submarine.storage.SupportsRename;
import io.submarine.storage.WriteMode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * {@code hdfs://namenode:port/path} on the Hadoop client. Writes go to a hidden staging file
 * beside the target and are renamed into place on close: HDFS shows a file while it is being
 * written, and its rename is atomic ({@link Options.Rename#NONE} refuses an existing target,
 * which makes create-if-absent exact).
 */
final class HdfsBlobStore implements BlobStore, SupportsAppend, SupportsRename {

    private record Client(FileSystem fs, FileContext context) {}

    private final Configuration conf;
    private final UserGroupInformation user;
    private final Map<String, Client> clients = new HashMap<>();

    HdfsBlobStore(Configuration conf, UserGroupInformation user) {
        this.conf = conf;
        this.user = user;
    }

    /** The Hadoop client's settings, as the provider made them. */
    Configuration configuration() {
        return conf;
    }

    private synchronized Client client(Location location) throws IOException {
        if (!location.scheme().equals("hdfs")) {
            throw new StorageConfigException("not an hdfs:// location: " + location);
        }
        if (location.authority().isEmpty() && !"hdfs".equals(FileSystem.getDefaultUri(conf).getScheme())) {
            throw new StorageConfigException("hdfs location names no name node, and the Hadoop configuration has no hdfs:// fs.defaultFS: "
                    + "write hdfs://namenode:8020/path");
        }
        Client client = clients.get(location.authority());
        if (client == null) {
            URI uri = URI.create("hdfs://" + location.authority() + "/");
            try {
                client = user.doAs((PrivilegedExceptionAction<Client>) () ->
                        new Client(FileSystem.newInstance(uri, conf), FileContext.getFileContext(uri, conf)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted connecting to " + uri);
            }
            clients.put(location.authority(), client);
        }
        return client;
    }

    private static Path path(Location location) {
        String path = "/" + location.path().replaceAll("/$", "");
        if (path.indexOf(':') >= 0) {
            throw new StorageConfigException("HDFS does not allow ':' in file names: " + location);
        }
        try {
            // The multi-argument URI constructor quotes '#', '?', '%' and spaces instead of parsing them.
            return new Path(new URI(null, null, path, null));
        } catch (java.net.URISyntaxException e) {
            throw new StorageConfigException("not a valid HDFS path: " + location);
        }
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        try {
            FileStatus status = client(location).fs().getFileStatus(path(location));
            if (!status.isFile()) {
                throw new BlobNotFoundException(location, "HDFS: a directory, not an object");
            }
            return info(location, status);
        } catch (IOException e) {
            throw HdfsErrors.classify(location, e);
        }
    }

    private static BlobInfo info(Location location, FileStatus status) {
        return new BlobInfo(location, status.getLen(), Instant.ofEpochMilli(status.getModificationTime()),
                status.getModificationTime() + "-" + status.getLen());
    }

    @Override
    public InputStream open(Location location) throws IOException {
        try {
            return client(location).fs().open(path(location));
        } catch (IOException e) {
            throw HdfsErrors.classify(location, e);
        }
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        try {
            FileSystem fs = client(location).fs();
            long size = fs.getFileStatus(path(location)).getLen();
            if (offset >= size || length == 0) {
                return InputStream.nullInputStream();
            }
            FSDataInputStream in = fs.open(path(location));
            in.seek(offset);
            return new BoundedInputStream(in, Math.min(length, size - offset));
        } catch (IOException e) {
            throw HdfsErrors.classify(location, e);
        }
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        Path target = path(location);
        Path staging = new Path(target.getParent(), StagingFiles.nameFor(target.getName()));
        Client client = client(location);
        FSDataOutputStream out;
        try {
            out = client.fs().create(staging, false);
        } catch (IOException e) {
            throw HdfsErrors.classify(location, e);
        }
        Options.Rename rename = mode == WriteMode.CREATE_IF_ABSENT ? Options.Rename.NONE : Options.Rename.OVERWRITE;
        return new BlobOutputStream() {
            private boolean done;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (done) {
                    throw new IOException("stream closed: " + location);
                }
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw HdfsErrors.classify(location, e);
                }
            }

            @Override
            public void abort() throws IOException {
                if (done) {
                    return;
                }
                done = true;
                try {
                    out.close();
                } catch (IOException ignored) {
                    // The staging file is deleted below, or stays hidden if the cluster is gone.
                }
                deleteQuietly(client, staging);
            }

            @Override
            public void close() throws IOException {
                if (done) {
                    return;
                }
                done = true;
                try {
                    out.close();
                    client.context().rename(staging, target, rename);
                } catch (IOException e) {
                    deleteQuietly(client, staging);
                    throw HdfsErrors.classify(location, e);
                }
            }
        };
    }

    private static void deleteQuietly(Client client, Path staging) {
        try {
            client.fs().delete(staging, false);
        } catch (IOException ignored) {
            // Left hidden; listings skip staging files and they are safe to remove later.
        }
    }

    @Override
    public BlobOutputStream append(Location location) throws IOException {
        FileSystem fs = client(location).fs();
        Path target = path(location);
        FSDataOutputStream out;
        try {
            out = fs.exists(target) ? fs.append(target) : fs.create(target, false);
        } catch (IOException e) {
            throw HdfsErrors.classify(location, e);
        }
        return new BlobOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw HdfsErrors.classify(location, e);
                }
            }

            @Override
            public void flush() throws IOException {
                out.hflush();
            }

            @Override
            public void abort() throws IOException {
                out.close();
            }

            @Override
            public void close() throws IOException {
                try {
                    out.close();
                } catch (IOException e) {
                    throw HdfsErrors.classify(location, e);
                }
            }
        };
    }

    @Override
    public void rename(Location source, Location target) throws IOException {
        Client client = client(source);
        try {
            if (!client.fs().getFileStatus(path(source)).isFile()) {
                throw new BlobNotFoundException(source, "HDFS: a directory, not an object");
            }
        } catch (IOException e) {
            throw HdfsErrors.classify(source, e);
        }
        try {
            client.fs().mkdirs(path(target).getParent());
            client.context().rename(path(source), path(target), Options.Rename.NONE);
        } catch (IOException e) {
            throw HdfsErrors.classify(target, e);
        }
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        Location dir = directory.asDirectory();
        RemoteIterator<LocatedFileStatus> files;
        try {
            files = client(dir).fs().listFiles(path(dir), true);
        } catch (FileNotFoundException e) {
            files = null;
        } catch (IOException e) {
            throw HdfsErrors.classify(dir, e);
        }
        RemoteIterator<LocatedFileStatus> found = files;
        String rootPath = path(dir).toUri().getPath();
        return new AbstractBlobIterator() {
            @Override
            protected BlobInfo computeNext() throws IOException {
                try {
                    while (found != null && found.hasNext()) {
                        LocatedFileStatus status = found.next();
                        String name = status.getPath().getName();
                        String full = status.getPath().toUri().getPath();
                        if (status.isFile() && !StagingFiles.isStaging(name) && full.startsWith(rootPath + "/")) {
                            return info(dir.resolve(full.substring(rootPath.length() + 1)), status);
                        }
                    }
                    return null;
                } catch (FileNotFoundException vanished) {
                    return null;
                } catch (IOException e) {
                    throw HdfsErrors.classify(dir, e);
                }
            }
        };
    }

    @Override
    public void delete(Location location) throws IOException {
        try {
            FileSystem fs = client(location).fs();
            Path path = path(location);
            FileStatus status = fs.getFileStatus(path);
            if (status.isFile()) {
                fs.delete(path, false);
            }
        } catch (FileNotFoundException e) {
            // Already gone.
        } catch (IOException e) {
            throw HdfsErrors.classify(location, e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        for (Client client : clients.values()) {
            client.fs().close();
        }
        clients.clear();
    }
}
