package io.submarine.metrics.ship;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote logdir, DESIGN.md's {@code <pod dir>/tfevents/}: each local event file as immutable
 * pieces at its own relative path, named {@code <file name>.<first byte, 16 digits>}. The names
 * contain "tfevents" and sort as the pieces follow each other, so TensorBoard, which reads the
 * event files of a run in name order, reads the pieces as the one file; and the names alone say
 * where each file's shipping stands.
 */
final class RemoteLogdir {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteLogdir.class);
    private static final Pattern PIECE = Pattern.compile("(.+)\\.(\\d{16})");

    private final BlobStore store;
    private final Location root;

    RemoteLogdir(BlobStore store, Location podRoot) {
        this.store = store;
        this.root = podRoot.resolve("tfevents").asDirectory();
    }

    Location root() {
        return root;
    }

    Location piece(String relativePath, long start) {
        return root.resolve(String.format("%s.%016d", relativePath, start));
    }

    /** Written last, with the totals, when the sidecar has shipped everything. */
    Location complete() {
        return root.resolve("_COMPLETE");
    }

    /** The pieces storage holds of each event file, by its relative path: first byte to size. */
    Map<String, NavigableMap<Long, Long>> pieces() throws IOException {
        Map<String, NavigableMap<Long, Long>> files = new TreeMap<>();
        BlobIterator listing = store.list(root);
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            Matcher name = PIECE.matcher(info.location().path().substring(root.path().length()));
            if (name.matches()) {
                files.computeIfAbsent(name.group(1), file -> new TreeMap<>()).put(Long.parseLong(name.group(2)), info.size());
            }
        }
        return files;
    }

    /** Where a file's pieces end: its bytes up to there are in storage. */
    static long end(String relativePath, NavigableMap<Long, Long> pieces) {
        long end = 0;
        for (Map.Entry<Long, Long> piece : pieces.entrySet()) {
            if (piece.getKey() != end) {
                // Never written so by one sidecar; going on after the last keeps what is there and adds nothing twice.
                LOG.warn("the pieces of {} in storage are not contiguous: byte {} follows byte {}; going on after the last",
                        relativePath, piece.getKey(), end);
            }
            end = piece.getKey() + piece.getValue();
        }
        return end;
    }
}
