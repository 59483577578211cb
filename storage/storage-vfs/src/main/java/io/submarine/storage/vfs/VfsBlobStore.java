package io.submarine.storage.vfs;

import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.BoundedInputStream;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.vfs2.FileContent;
import org.apache.commons.vfs2.FileObject;
import org.apache.commons.vfs2.FileSystemException;
import org.apache.commons.vfs2.FileSystemManager;
import org.apache.commons.vfs2.FileSystemOptions;
import org.apache.commons.vfs2.FileType;
import org.apache.commons.vfs2.RandomAccessContent;
import org.apache.commons.vfs2.util.RandomAccessMode;

/**
 * Read-only sources through Apache Commons VFS: {@code sftp://} and {@code ftp://} (stat, read,
 * range read, listing). They are places code and models come
 * from, never where the sidecars write, so every write is refused with a clear error.
 */
final class VfsBlobStore implements BlobStore {

    private static final Set<String> LISTABLE = Set.of("sftp", "ftp");
    /** A URL in a message, quoted or not. */
    private static final Pattern URL_LIKE = Pattern.compile("\\S+://\\S*");

    private final FileSystemManager manager;
    private final FileSystemOptions options;

    VfsBlobStore(FileSystemManager manager, FileSystemOptions options) {
        this.manager = manager;
        this.options = options;
    }

    private FileObject resolve(Location location) throws BlobStoreException {
        try {
            return manager.resolveFile(location.uri(), options);
        } catch (FileSystemException e) {
            throw classify(location, e);
        }
    }

    private FileObject file(Location location) throws BlobStoreException {
        FileObject file = resolve(location);
        try {
            if (file.getType() != FileType.FILE) {
                throw new BlobNotFoundException(location, location.scheme() + ": no such file");
            }
        } catch (FileSystemException e) {
            throw classify(location, e);
        }
        return file;
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        FileObject file = file(location);
        try {
            return info(location, file.getContent());
        } catch (FileSystemException e) {
            throw classify(location, e);
        }
    }

    private static BlobInfo info(Location location, FileContent content) throws FileSystemException {
        long modified = safeLastModified(content);
        return new BlobInfo(location, content.getSize(), Instant.ofEpochMilli(modified), modified + "-" + content.getSize());
    }

    private static long safeLastModified(FileContent content) {
        try {
            return content.getLastModifiedTime();
        } catch (FileSystemException unknown) {
            return 0; // an HTTP server need not send Last-Modified
        }
    }

    @Override
    public InputStream open(Location location) throws IOException {
        FileObject file = file(location);
        try {
            return closingBoth(file.getContent().getInputStream(), file);
        } catch (FileSystemException e) {
            throw classify(location, e);
        }
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        FileObject file = file(location);
        try {
            long size = file.getContent().getSize();
            if (offset >= size || length == 0) {
                file.close();
                return InputStream.nullInputStream();
            }
            RandomAccessContent content = file.getContent().getRandomAccessContent(RandomAccessMode.READ);
            content.seek(offset);
            return closingBoth(new BoundedInputStream(content.getInputStream(), Math.min(length, size - offset)), file);
        } catch (IOException e) {
            throw classify(location, e);
        }
    }

    private static InputStream closingBoth(InputStream in, FileObject file) {
        return new FilterInputStream(in) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    file.close();
                }
            }
        };
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        throw readOnly(location);
    }

    @Override
    public void delete(Location location) throws IOException {
        throw readOnly(location);
    }

    private static BlobFatalException readOnly(Location location) {
        return new BlobFatalException(location, location.scheme() + ":// is a read-only source; write to file, hdfs, s3, gs or abfs(s) instead");
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        if (!LISTABLE.contains(directory.scheme())) {
            throw new BlobFatalException(directory, directory.scheme() + ":// cannot be listed; name each file");
        }
        Location dir = directory.asDirectory();
        FileObject root = resolve(dir);
        Deque<FileObject> pending = new ArrayDeque<>();
        try {
            if (root.getType() == FileType.FOLDER) {
                pending.push(root);
            }
        } catch (FileSystemException e) {
            throw classify(dir, e);
        }
        return new AbstractBlobIterator() {
            private final Deque<BlobInfo> ready = new ArrayDeque<>();

            @Override
            protected BlobInfo computeNext() throws IOException {
                while (ready.isEmpty() && !pending.isEmpty()) {
                    FileObject folder = pending.pop();
                    try {
                        for (FileObject child : folder.getChildren()) {
                            if (child.getType() == FileType.FOLDER) {
                                pending.push(child);
                            } else if (child.getType() == FileType.FILE) {
                                ready.add(info(dir.resolve(root.getName().getRelativeName(child.getName())), child.getContent()));
                            }
                        }
                    } catch (FileSystemException e) {
                        throw classify(dir, e);
                    }
                }
                return ready.poll();
            }
        };
    }

    /** VFS reports everything as a {@link FileSystemException} with a message code; the cause tells more. */
    static BlobStoreException classify(Location location, IOException e) {
        if (e instanceof BlobStoreException typed) {
            return typed;
        }
        String text = describe(e);
        if (text.contains("auth") || text.contains(" 401") || text.contains(" 403") || text.contains("permission denied")) {
            return new BlobAccessDeniedException(location, location.scheme() + ": access refused; check the credentials", e);
        }
        if (text.contains(" 404") || text.contains("no such file") || text.contains("not found")) {
            return new BlobNotFoundException(location, location.scheme() + ": no such file", e);
        }
        if (text.contains("unknownhost") || text.contains("reject hostkey") || text.contains("hostkey")) {
            return new BlobFatalException(location, location.scheme() + ": host unknown or its key is not in known_hosts", e);
        }
        return new BlobTransientException(location, location.scheme() + ": " + e.getClass().getSimpleName(), e);
    }

    /**
     * The exception chain's types and messages, with the URLs in them left out: a file under
     * {@code /releases/auth/} or a server on port 4030 says nothing about why the call failed.
     */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            text.append(' ').append(cause.getClass().getSimpleName()).append(' ').append(cause.getMessage());
        }
        return URL_LIKE.matcher(text).replaceAll(" ").toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void close() {
        manager.close();
    }
}
