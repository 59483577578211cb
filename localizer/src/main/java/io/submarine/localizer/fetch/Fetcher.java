package io.submarine.localizer.fetch;

import io.submarine.localizer.spec.Source;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Fetches one kind of source into an empty staging directory. */
public interface Fetcher {

    /**
     * The revision the source resolves to now, when it is cheap to learn and the target already
     * holding it means there is nothing to do (a git commit); empty otherwise.
     */
    default Optional<String> currentRevision(Source source) throws IOException {
        return Optional.empty();
    }

    Fetched fetch(Source source, Path staging) throws IOException;

    /** The revision of a source given with its digest (archive, file): a target holding it needs nothing. */
    static Optional<String> givenDigest(Source source) {
        return Optional.ofNullable(source.sha256()).map(digest -> "sha256:" + digest);
    }
}
