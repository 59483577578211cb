package io.submarine.localizer.fetch;

import io.submarine.localizer.archive.ArchiveLimits;
import io.submarine.localizer.archive.ArchiveUnpacker;
import io.submarine.localizer.spec.Source;
import io.submarine.localizer.spec.SpecException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/** An archive from any storage URI, unpacked as it downloads; its digest checked before it is put in place. */
public final class ArchiveFetcher implements Fetcher {

    private final Function<Source, BlobStore> storage;
    private final ArchiveLimits limits;

    public ArchiveFetcher(Function<Source, BlobStore> storage, ArchiveLimits limits) {
        this.storage = storage;
        this.limits = limits;
    }

    @Override
    public Optional<String> currentRevision(Source source) {
        return Fetcher.givenDigest(source);
    }

    @Override
    public Fetched fetch(Source source, Path staging) throws IOException {
        Location location = Location.of(source.url());
        ArchiveUnpacker unpacker = new ArchiveUnpacker(limits, source.stripComponents());
        try (InputStream raw = storage.apply(source).open(location);
                Digests in = new Digests(raw, new TransferProgress(source.name(), unpacker::filesUnpacked, -1))) {
            ArchiveUnpacker.Result result = unpacker.unpack(in, location.fileName(), staging);
            String sha256 = in.finish();
            if (source.sha256() != null && !source.sha256().equals(sha256)) {
                throw new ChecksumMismatchException("archive " + location, source.sha256(), sha256);
            }
            if (result.files() == 0 && source.stripComponents() > 0) {
                // As GNU tar would, quietly; but an empty tree is not what a pod is prepared with.
                throw new SpecException("source '" + source.name() + "': strip-components " + source.stripComponents()
                        + " left no file of archive " + location + ": its files are not that deep");
            }
            return new Fetched("sha256:" + sha256, result.files(), result.bytes());
        }
    }
}
