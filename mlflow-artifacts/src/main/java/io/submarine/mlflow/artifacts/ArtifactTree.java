package io.submarine.mlflow.artifacts;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tree an MLflow server's artifact proxy serves: what {@code mlflow-artifacts:/<path>} names,
 * kept under one root in blob storage ({@code <root>/<experiment-id>/<run-id>/artifacts/...} for a
 * run). The in-pod tracking endpoint writes it and the metastore reads it back, so both must be
 * given the same root.
 *
 * <p>Paths are checked as MLflow's server checks them ({@code validate_path_is_safe}): relative,
 * {@code /}-separated, no {@code ..}; an empty segment or a {@code .} is refused too, since an
 * object key cannot hold one on every backend.
 */
public final class ArtifactTree {

    /** One entry of a listing: a file with its size, or a directory (size -1). */
    public record Entry(String name, boolean directory, long size) {}

    /** A path MLflow's server would refuse; its message says why. */
    public static final class InvalidPath extends IllegalArgumentException {
        InvalidPath(String message) {
            super(message);
        }
    }

    /** A path that names a directory where a file was asked for. */
    public static final class IsADirectory extends IOException {
        IsADirectory(String path) {
            super("Artifact path refers to a directory, not a file: '" + path + "'");
        }
    }

    private final BlobStore store;
    private final Location root;

    public ArtifactTree(BlobStore store, Location root) {
        this.store = store;
        this.root = root.asDirectory();
    }

    public Location root() {
        return root;
    }

    /**
     * Where an experiment made without an {@code artifact_location} keeps its runs' artifacts, as
     * MLflow's server with {@code --serve-artifacts} names it; a run's are {@code <that>/<run-id>/artifacts}.
     */
    public static String experimentLocation(String experimentId) {
        return "mlflow-artifacts:/" + experimentId;
    }

    /** {@code path} without surrounding slashes, or an {@link InvalidPath}; the empty path is the root. */
    public static String checked(String path) {
        if (path == null) {
            return "";
        }
        if (path.indexOf('#') >= 0 || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            throw new InvalidPath("Invalid path: '" + path + "' holds '#', '\\' or NUL");
        }
        if (path.startsWith("/") || (path.length() >= 2 && path.charAt(1) == ':')) {
            throw new InvalidPath("Invalid path: '" + path + "' is absolute; artifact paths are relative to the artifact root");
        }
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (trimmed.isEmpty()) {
            return "";
        }
        for (String segment : trimmed.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new InvalidPath("Invalid path: '" + path + "' has an empty, '.' or '..' segment");
            }
        }
        return trimmed;
    }

    /**
     * Stores {@code content} at {@code path}, replacing what was there, as MLflow does: streamed,
     * and visible only whole (a failed upload leaves the old file or none).
     *
     * @return the bytes stored
     */
    public long upload(String path, InputStream content) throws IOException {
        String file = checked(path);
        if (file.isEmpty()) {
            throw new InvalidPath("Invalid path: an upload names a file, not the artifact root");
        }
        return store.write(root.resolve(file), content, WriteMode.OVERWRITE);
    }

    /** The file's size and time, or {@link BlobNotFoundException}; {@link IsADirectory} for a directory. */
    public BlobInfo stat(String path) throws IOException {
        String file = checked(path);
        try {
            if (!file.isEmpty()) {
                return store.stat(root.resolve(file));
            }
        } catch (BlobNotFoundException absent) {
            if (!list(file).isEmpty()) {
                throw new IsADirectory(file);
            }
            throw absent;
        }
        throw new IsADirectory(file);
    }

    /** Streams the file at {@code path}. */
    public InputStream open(String path) throws IOException {
        return store.open(root.resolve(checked(path)));
    }

    /**
     * What is directly below {@code directory}, by name: files with their sizes, directories once
     * each. Nothing for a directory that does not exist or for a file, as MLflow's local store.
     */
    public List<Entry> list(String directory) throws IOException {
        String prefix = checked(directory);
        Location under = (prefix.isEmpty() ? root : root.resolve(prefix)).asDirectory();
        Map<String, Entry> entries = new TreeMap<>();
        BlobIterator blobs = store.list(under);
        while (blobs.hasNext()) {
            BlobInfo blob = blobs.next();
            String relative = blob.location().path().substring(under.path().length());
            int slash = relative.indexOf('/');
            if (slash < 0) {
                entries.put(relative, new Entry(relative, false, blob.size()));
            } else {
                String name = relative.substring(0, slash);
                entries.putIfAbsent(name, new Entry(name, true, -1));
            }
        }
        return new ArrayList<>(entries.values());
    }

    /** Deletes the file at {@code path}, or everything under it when it is a directory. */
    public void delete(String path) throws IOException {
        String target = checked(path);
        if (target.isEmpty()) {
            throw new InvalidPath("Invalid path: a deletion names a file or a directory, not the whole artifact tree");
        }
        Location location = root.resolve(target);
        List<Location> doomed = new ArrayList<>();
        BlobIterator below = store.list(location.asDirectory());
        while (below.hasNext()) {
            doomed.add(below.next().location());
        }
        if (doomed.isEmpty()) {
            doomed.add(location);
        }
        store.deleteAll(doomed);
    }

    /** An artifact path as it comes in a URL's path, %XX decoded; unlike in a query, '+' stays '+'. */
    public static String fromUrlPath(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        int i = 0;
        while (i < raw.length()) {
            int percent = raw.indexOf('%', i);
            int plainEnd = percent < 0 ? raw.length() : percent;
            bytes.writeBytes(raw.substring(i, plainEnd).getBytes(StandardCharsets.UTF_8));
            i = plainEnd;
            if (percent >= 0) {
                if (percent + 2 < raw.length() && Character.digit(raw.charAt(percent + 1), 16) >= 0 && Character.digit(raw.charAt(percent + 2), 16) >= 0) {
                    bytes.write(Integer.parseInt(raw, percent + 1, percent + 3, 16));
                    i = percent + 3;
                } else {
                    bytes.write('%');
                    i = percent + 1;
                }
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
