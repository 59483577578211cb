package io.submarine.localizer.fetch;

import io.submarine.localizer.spec.Source;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/** One object, copied as is into the target directory under its own name. */
public final class FileFetcher implements Fetcher {

    private final Function<Source, BlobStore> storage;

    public FileFetcher(Function<Source, BlobStore> storage) {
        this.storage = storage;
    }

    @Override
    public Optional<String> currentRevision(Source source) {
        return Fetcher.givenDigest(source);
    }

    @Override
    public Fetched fetch(Source source, Path staging) throws IOException {
        Location location = Location.of(source.url());
        String name = location.fileName().isEmpty() ? source.name() : location.fileName();
        try (InputStream raw = storage.apply(source).open(location); Digests in = new Digests(raw, new TransferProgress(source.name(), null, -1))) {
            long bytes = Files.copy(in, staging.resolve(name));
            String sha256 = in.finish();
            if (source.sha256() != null && !source.sha256().equals(sha256)) {
                throw new ChecksumMismatchException("file " + location, source.sha256(), sha256);
            }
            return new Fetched("sha256:" + sha256, 1, bytes);
        }
    }
}
