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
 * Finds where a stream really stands, as Kafka Connect's sinks do by listing: the checkpoint
 * can lag the remote by one segment (a crash between the upload and the checkpoint), and a
 * segment cut by age in one run ends elsewhere than in the next, so the last committed segment's
 * own index, not the checkpoint, decides.
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

    /** The state to resume {@code directory}'s stream from, given the local checkpoint's. */
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
        if (remote.nextSequence() < checkpointed.nextSequence()) {
            LOG.warn("{} ends at segment {} but the checkpoint is at {}; going on from the checkpoint", directory,
                    remote.nextSequence() - 1, checkpointed.nextSequence() - 1);
            return checkpointed;
        }
        return remote;
    }
}
