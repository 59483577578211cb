package io.submarine.logshipper.ship;

import io.submarine.logsegment.SegmentFormat;
import io.submarine.logsegment.SegmentIndex;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds where a stream really stands, as Kafka Connect's sinks do by listing: the work
 * directory's state (checkpoint and spool) is normally ahead of storage, but a work directory
 * lost with its volume, or another run that committed first, leaves storage ahead, and then the
 * last committed segment's own index decides.
 */
public final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private Recovery() {}

    /** The last committed segment under {@code directory}, with its index. */
    public static Optional<SegmentIndex> lastCommitted(BlobStore store, Location directory) throws IOException {
        BlobInfo last = null;
        long lastSequence = -1;
        BlobIterator listing = store.list(directory.asDirectory());
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            Optional<Long> sequence = SegmentFormat.sequenceOf(info.location().fileName());
            if (sequence.isPresent() && sequence.get() > lastSequence) {
                lastSequence = sequence.get();
                last = info;
            }
        }
        if (last == null) {
            return Optional.empty();
        }
        SegmentFormat format = SegmentFormat.ofObjectName(last.location().fileName()).orElseThrow();
        return Optional.of(format.readIndex(store, last.location(), last.size()));
    }

    /** The state to resume {@code directory}'s stream from, given the local one (checkpoint and spool). */
    public static StreamState resume(BlobStore store, Location directory, StreamState checkpointed) throws IOException {
        Optional<SegmentIndex> last = lastCommitted(store, directory);
        if (last.isEmpty()) {
            if (checkpointed.nextSequence() > 0) {
                LOG.warn("{} holds no segments although {} were committed there; shipping goes on after them, as the checkpoint says",
                        directory, checkpointed.nextSequence());
            }
            return checkpointed;
        }
        StreamState remote = StreamState.after(last.get());
        // The local state is normally ahead: it holds what waits in the spool, sealed or not.
        if (remote.nextSequence() <= checkpointed.nextSequence()) {
            return checkpointed;
        }
        LOG.warn("{} ends at segment {} but this work directory's state is at {}; going on from storage", directory,
                remote.nextSequence() - 1, checkpointed.nextSequence() - 1);
        return remote;
    }
}
