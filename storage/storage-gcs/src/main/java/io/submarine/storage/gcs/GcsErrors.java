package io.submarine.storage.gcs;

import com.google.cloud.BaseServiceException;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import java.io.IOException;

/** The one place where Google Cloud Storage client failures become {@link BlobStoreException}s. */
final class GcsErrors {
    private GcsErrors() {}

    static BlobStoreException classify(Location location, Exception e) {
        if (e instanceof BlobStoreException typed) {
            return typed;
        }
        BaseServiceException service = find(e);
        if (service != null) {
            int code = service.getCode();
            String reason = "GCS " + code + (service.getReason() == null ? "" : " " + service.getReason());
            if (code == 404) {
                return new BlobNotFoundException(location, reason, e);
            }
            if (code == 412) {
                return new BlobExistsException(location, reason + ": an object already exists here", e);
            }
            if (code == 401 || code == 403) {
                return new BlobAccessDeniedException(location, reason + ": check the service account and its roles", e);
            }
            if (service.isRetryable() || code == 429 || code >= 500) {
                return new BlobTransientException(location, reason, e);
            }
            return new BlobFatalException(location, reason, e);
        }
        if (e instanceof IOException) {
            return new BlobTransientException(location, "GCS unreachable: " + e.getClass().getSimpleName(), e);
        }
        return new BlobFatalException(location, "GCS client failed: " + e.getClass().getSimpleName(), e);
    }

    private static BaseServiceException find(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BaseServiceException service) {
                return service;
            }
        }
        return null;
    }
}
