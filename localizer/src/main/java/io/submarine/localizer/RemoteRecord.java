package io.submarine.localizer;

import io.submarine.metastore.client.PodIdentity;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.ProgramException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts {@code .localized.json} where the remote layout of DESIGN.md keeps it, beside the pod's logs
 * and metrics: {@code <storage root>/<namespace>/<owner-kind>/<owner-name>/<pod>/<pod-uid>/code/localized.json},
 * so that what a pod ran with outlives the pod. Like the metastore report, a failure only fails the
 * run when the operator asked for that (--require-report): the code is in place either way.
 */
final class RemoteRecord {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteRecord.class);

    private final BlobStore store;
    private final Location location;
    private final boolean required;

    /** {@code store} retries transient failures itself (the storage settings' retry policy). */
    RemoteRecord(BlobStore store, Location storageRoot, PodIdentity identity, boolean required) {
        this.store = store;
        this.location = storageRoot.asDirectory().resolve(identity.remotePrefix() + "/code/localized.json");
        this.required = required;
    }

    /** Copies {@code record}, the file the run wrote; replaced whole, as a rerun of the init container rewrites it. */
    void write(Path record) {
        try {
            byte[] content = Files.readAllBytes(record);
            store.write(location, new ByteArrayInputStream(content), WriteMode.OVERWRITE);
            LOG.info("wrote the localization record to {}", location);
        } catch (IOException e) {
            String message = "the localization record was not written to " + location + ": " + e.getMessage();
            if (required) {
                throw new ProgramException(ExitCode.UNREACHABLE, message + " (--require-report)");
            }
            LOG.warn("{}; the localization itself succeeded", message);
        }
    }
}
