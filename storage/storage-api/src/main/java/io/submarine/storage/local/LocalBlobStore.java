package io.submarine.storage.local;

import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BoundedInputStream;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import io.submarine.storage.StagingFiles;
import io.submarine.storage.StorageConfigException;
import io.submarine.storage.SupportsAppend;
import io.submarine.storage.SupportsRename;
import io.submarine.storage.WriteMode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * {@code file:///path}: the local file system. Writes go to a hidden staging file beside the
 * target and are renamed into place on close (create-if-absent links instead, since
 * {@code link(2)} fails atomically when the target exists while {@code rename(2)} replaces).
 */
final class LocalBlobStore implements BlobStore, SupportsRename, SupportsAppend {

    private static final int BUFFER = 64 * 1024;

    @Override
    public BlobInfo stat(Location location) throws IOException {
        Path path = toPath(location);
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw new BlobNotFoundException(location, "not a regular file");
            }
            return info(location, attributes);
        } catch (IOException e) {
            throw classify(location, e);
        }
    }

    private static BlobInfo info(Location location, BasicFileAttributes attributes) {
        return new BlobInfo(location, attributes.size(), attributes.lastModifiedTime().toInstant(),
                attributes.lastModifiedTime().toMillis() + "-" + attributes.size());
    }

    @Override
    public InputStream open(Location location) throws IOException {
        return open(location, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        Path path = toPath(location);
        try {
            if (Files.isDirectory(path)) {
                throw new BlobNotFoundException(location, "is a directory, not an object");
            }
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return length == Long.MAX_VALUE ? in : new BoundedInputStream(in, length);
        } catch (IOException e) {
            throw classify(location, e);
        }
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        Path target = toPath(location);
        try {
            Files.createDirectories(target.getParent());
            Path staging = target.resolveSibling(StagingFiles.nameFor(target.getFileName().toString()));
            FileChannel channel = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new StagedOutputStream(location, channel, staging, target, mode);
        } catch (IOException e) {
            throw classify(location, e);
        }
    }

    @Override
    public BlobOutputStream append(Location location) throws IOException {
        Path target = toPath(location);
        try {
            Files.createDirectories(target.getParent());
            FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
            return new BlobOutputStream() {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void abort() throws IOException {
                    out.close();
                }

                @Override
                public void close() throws IOException {
                    out.flush();
                    channel.force(false);
                    out.close();
                }
            };
        } catch (IOException e) {
            throw classify(location, e);
        }
    }

    @Override
    public void rename(Location source, Location target) throws IOException {
        Path from = toPath(source);
        Path to = toPath(target);
        try {
            if (!Files.isRegularFile(from)) {
                throw new BlobNotFoundException(source, "no object to rename");
            }
            Files.createDirectories(to.getParent());
            link(from, to, target);
            Files.delete(from);
        } catch (IOException e) {
            throw classify(target, e);
        }
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        Path root = toPath(directory.asDirectory());
        if (!Files.isDirectory(root)) {
            return AbstractBlobIterator.empty();
        }
        return new TreeIterator(directory, root);
    }

    @Override
    public void delete(Location location) throws IOException {
        Path path = toPath(location);
        try {
            if (!Files.isDirectory(path)) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw classify(location, e);
        }
    }

    static Path toPath(Location location) {
        if (!location.scheme().equals("file")) {
            throw new StorageConfigException("not a file:// location: " + location);
        }
        if (!location.authority().isEmpty() && !location.authority().equals("localhost")) {
            throw new StorageConfigException("file:// locations name no host (write file:///path), got " + location);
        }
        return Path.of("/" + location.path());
    }

    /** Creates {@code to} as a hard link to {@code from}: atomic, and fails if {@code to} exists. */
    private static void link(Path from, Path to, Location target) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (FileAlreadyExistsException e) {
            throw new BlobExistsException(target, "an object already exists here", e);
        }
    }

    static BlobStoreException classify(Location location, IOException e) {
        if (e instanceof BlobStoreException typed) {
            return typed;
        }
        String reason = e.getClass().getSimpleName();
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return new BlobNotFoundException(location, "no such file", e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return new BlobExistsException(location, "already exists", e);
        }
        if (e instanceof AccessDeniedException) {
            return new BlobAccessDeniedException(location, "permission denied", e);
        }
        if (e.getMessage() != null && e.getMessage().contains("No space left")) {
            return new BlobTransientException(location, "no space left on device", e);
        }
        return new BlobFatalException(location, reason + ": " + e.getMessage(), e);
    }

    private final class StagedOutputStream extends BlobOutputStream {
        private final Location location;
        private final FileChannel channel;
        private final OutputStream out;
        private final Path staging;
        private final Path target;
        private final WriteMode mode;
        private boolean done;

        StagedOutputStream(Location location, FileChannel channel, Path staging, Path target, WriteMode mode) {
            this.location = location;
            this.channel = channel;
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
            this.staging = staging;
            this.target = target;
            this.mode = mode;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (done) {
                throw new IOException("stream closed: " + location);
            }
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw classify(location, e);
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
            } finally {
                Files.deleteIfExists(staging);
            }
        }

        @Override
        public void close() throws IOException {
            if (done) {
                return;
            }
            done = true;
            try {
                out.flush();
                // Durable before visible: a crash right after the rename must not expose a hole.
                channel.force(true);
                out.close();
                if (mode == WriteMode.CREATE_IF_ABSENT) {
                    link(staging, target, location);
                    Files.delete(staging);
                } else {
                    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                try {
                    out.close();
                    Files.deleteIfExists(staging);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw classify(location, e);
            }
        }
    }

    /** Walks the tree one directory at a time, so a huge tree is never held in memory at once. */
    private static final class TreeIterator extends AbstractBlobIterator {
        private final Location directory;
        private final Path root;
        private final Deque<Path> pendingDirectories = new ArrayDeque<>();
        private final Deque<BlobInfo> ready = new ArrayDeque<>();

        TreeIterator(Location directory, Path root) {
            this.directory = directory.asDirectory();
            this.root = root;
            pendingDirectories.push(root);
        }

        @Override
        protected BlobInfo computeNext() throws IOException {
            while (ready.isEmpty() && !pendingDirectories.isEmpty()) {
                Path dir = pendingDirectories.pop();
                try (Stream<Path> children = Files.list(dir)) {
                    Iterator<Path> it = children.sorted().iterator();
                    while (it.hasNext()) {
                        Path child = it.next();
                        if (StagingFiles.isStaging(child.getFileName().toString())) {
                            continue;
                        }
                        BasicFileAttributes attributes;
                        try {
                            attributes = Files.readAttributes(child, BasicFileAttributes.class);
                        } catch (NoSuchFileException vanished) {
                            continue;
                        }
                        if (attributes.isDirectory()) {
                            pendingDirectories.push(child);
                        } else if (attributes.isRegularFile()) {
                            String relative = root.relativize(child).toString();
                            ready.add(info(directory.resolve(relative), attributes));
                        }
                    }
                } catch (NoSuchFileException vanished) {
                    // The directory was removed while we listed: it holds nothing any more.
                } catch (IOException e) {
                    throw classify(directory, e);
                }
            }
            return ready.poll();
        }
    }
}
