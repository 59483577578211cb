package io.submarine.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What storage holds of a logdir, against the logdir itself: every event file, as its pieces in name order, byte for byte. */
final class RemoteLogdirCheck {
    private RemoteLogdirCheck() {}

    /**
     * s3proxy's filesystem store writes an object to {@code <key>-<uuid>} and renames it; killed in
     * between (StorageOutageTest kills it mid-run), the file stays and lists as an object. An
     * artifact of the test server, not of the sidecar: S3 itself never shows a partial object.
     */
    private static final java.util.regex.Pattern S3PROXY_LEFTOVER = java.util.regex.Pattern.compile(
            ".*\\.\\d{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** The objects under {@code remote} by relative path, in name order, with their sizes (no leftovers of a killed s3proxy). */
    static TreeMap<String, Long> objects(BlobStore store, Location remote) throws IOException {
        TreeMap<String, Long> objects = new TreeMap<>();
        BlobIterator listing = store.list(remote.asDirectory());
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            String name = info.location().path().substring(remote.asDirectory().path().length());
            if (!S3PROXY_LEFTOVER.matcher(name).matches()) {
                objects.put(name, info.size());
            }
        }
        return objects;
    }

    /**
     * Asserts that each local event file is in storage as its pieces, each starting where the one
     * before ended (nothing twice, nothing missing), and that their bytes are the file's; returns
     * the bytes stored.
     */
    static long assertSameAsLocal(BlobStore store, Location remote, Path logdir) throws IOException {
        TreeMap<String, Long> objects = objects(store, remote);
        Map<String, Path> local = new TreeMap<>();
        try (Stream<Path> files = Files.walk(logdir)) {
            files.filter(f -> f.getFileName().toString().contains("tfevents")).forEach(f -> local.put(logdir.relativize(f).toString(), f));
        }
        assertThat(local).as("event files written").isNotEmpty();
        long stored = 0;
        for (Map.Entry<String, Path> file : local.entrySet()) {
            List<String> pieces = objects.keySet().stream().filter(name -> name.matches(java.util.regex.Pattern.quote(file.getKey()) + "\\.\\d{16}")).toList();
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (String piece : pieces) {
                assertThat(Long.parseLong(piece.substring(piece.length() - 16))).as("where %s starts", piece).isEqualTo(joined.size());
                try (InputStream in = store.open(remote.asDirectory().resolve(piece))) {
                    in.transferTo(joined);
                }
            }
            byte[] expected = Files.readAllBytes(file.getValue());
            assertThat(joined.size()).as("bytes of %s in storage", file.getKey()).isEqualTo(expected.length);
            assertThat(joined.toByteArray()).as("%s in storage", file.getKey()).isEqualTo(expected);
            stored += joined.size();
        }
        for (String name : objects.keySet()) {
            assertThat(name.equals("_COMPLETE") || local.containsKey(name.replaceFirst("\\.\\d{16}$", ""))).as("%s is a piece of a local file", name).isTrue();
        }
        return stored;
    }
}
