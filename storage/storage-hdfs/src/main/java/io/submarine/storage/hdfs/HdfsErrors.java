package io.submarine.storage.hdfs;

import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.AccessControlException;

/**
 * The one place where Hadoop client failures become {@link BlobStoreException}s. HDFS reports
 * nearly everything as an {@link IOException}; what isn't recognisably permanent (missing,
 * exists, denied) is a lost connection, safe mode or a standby name node, so it is retryable.
 */
final class HdfsErrors {
    private HdfsErrors() {}

    static BlobStoreException classify(Location location, IOException e) {
        if (e instanceof BlobStoreException typed) {
            return typed;
        }
        IOException cause = e instanceof RemoteException remote
                ? remote.unwrapRemoteException(FileNotFoundException.class, FileAlreadyExistsException.class,
                        AccessControlException.class, ParentNotDirectoryException.class)
                : e;
        if (cause instanceof FileNotFoundException || cause instanceof ParentNotDirectoryException) {
            return new BlobNotFoundException(location, "HDFS: no such file", e);
        }
        if (cause instanceof FileAlreadyExistsException) {
            return new BlobExistsException(location, "HDFS: an object already exists here", e);
        }
        if (cause instanceof AccessControlException) {
            return new BlobAccessDeniedException(location, "HDFS: permission denied; check the user, its Kerberos login and the path's permissions", e);
        }
        return new BlobTransientException(location, "HDFS: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), e);
    }
}
