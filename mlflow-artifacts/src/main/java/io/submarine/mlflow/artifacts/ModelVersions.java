package io.submarine.mlflow.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A logged model's files committed as a model version in DESIGN.md's layout:
 * {@code <models root>/<model>/<version>/<files>}, then {@code _MANIFEST.json} (format 1: path,
 * size and sha256 of each file) written last with create-if-absent, so the localizer's
 * {@code model} source reads it and a reader never sees half a version. Versions are numbered
 * 1, 2, ... per model; two committers racing for a number both commit, one under the next.
 */
public final class ModelVersions {

    public static final String MANIFEST = "_MANIFEST.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERSION_MANIFEST = Pattern.compile("([0-9]{1,18})/" + Pattern.quote(MANIFEST));

    /** A committed version: where it is, its number, and what it holds. */
    public record Committed(Location location, long version, int files, long bytes) {}

    private final BlobStore store;
    private final Location modelsRoot;

    public ModelVersions(BlobStore store, Location modelsRoot) {
        this.store = store;
        this.modelsRoot = modelsRoot.asDirectory();
    }

    /**
     * Commits the files under {@code source} as the next version of {@code model}. The version
     * already made from {@code sourceId} (a finalize retried after its answer was lost) is
     * answered again instead of a second one.
     *
     * @throws IllegalArgumentException for a model name that is not one path segment
     */
    public Committed commit(String model, Location source, String sourceId, Instant now) throws IOException {
        if (model.isEmpty() || model.contains("/") || model.equals(".") || model.equals("..") || model.contains("\\") || model.contains("\0")) {
            throw new IllegalArgumentException("a model name that lands in storage is one path segment: no '/', '\\', not '.' or '..', not '" + model + "'");
        }
        Location modelDir = modelsRoot.resolve(model).asDirectory();
        long next = 1;
        BlobIterator existing = store.list(modelDir);
        while (existing.hasNext()) {
            BlobInfo blob = existing.next();
            Matcher manifest = VERSION_MANIFEST.matcher(blob.location().path().substring(modelDir.path().length()));
            if (manifest.matches()) {
                long version = Long.parseLong(manifest.group(1));
                JsonNode written = read(blob.location());
                if (sourceId.equals(written.path("source").path("mlflow_model_id").asText())) {
                    return new Committed(blob.location().parent().asDirectory(), version, written.path("files").size(), bytes(written));
                }
                next = Math.max(next, version + 1);
            }
        }
        List<BlobInfo> files = new ArrayList<>();
        BlobIterator below = store.list(source.asDirectory());
        while (below.hasNext()) {
            files.add(below.next());
        }
        while (true) {
            Location version = modelDir.resolve(Long.toString(next)).asDirectory();
            ObjectNode manifest = JSON.createObjectNode().put("format", 1).put("model", model).put("version", Long.toString(next))
                    .put("created", now.toString());
            manifest.putObject("source").put("mlflow_model_id", sourceId).put("uri", source.toString());
            ArrayNode listed = manifest.putArray("files");
            long bytes = 0;
            for (BlobInfo file : files) {
                String path = file.location().path().substring(source.asDirectory().path().length());
                MessageDigest sha256 = sha256();
                long size;
                try (InputStream in = new DigestInputStream(store.open(file.location()), sha256)) {
                    size = store.write(version.resolve(path), in, WriteMode.OVERWRITE);
                }
                listed.addObject().put("path", path).put("size", size).put("sha256", HexFormat.of().formatHex(sha256.digest()));
                bytes += size;
            }
            try {
                store.write(version.resolve(MANIFEST), new ByteArrayInputStream(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest)),
                        WriteMode.CREATE_IF_ABSENT);
                return new Committed(version, next, files.size(), bytes);
            } catch (BlobExistsException taken) {
                // Another committer took this number first: its version stands, this one goes under the next.
                next++;
            }
        }
    }

    private JsonNode read(Location manifest) throws IOException {
        try (InputStream in = store.open(manifest)) {
            return JSON.readTree(in);
        }
    }

    private static long bytes(JsonNode manifest) {
        long bytes = 0;
        for (JsonNode file : manifest.path("files")) {
            bytes += file.path("size").asLong();
        }
        return bytes;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
