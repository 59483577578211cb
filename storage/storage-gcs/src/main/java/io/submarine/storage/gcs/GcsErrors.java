package io.submarine.storage.gcs;

import com.google.api.client.http.HttpResponseException;
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
        int code = statusCode(e);
        if (code > 0) {
            String reason = "GCS " + code;
            if (code == 404) {
                return new BlobNotFoundException(location, reason, e);
            }
            if (code == 412) {
                return new BlobExistsException(location, reason + ": an object already exists here", e);
            }
            if (code == 401 || code == 403) {
                return new BlobAccessDeniedException(location, reason + ": check the service account and its roles", e);
            }
            if (code == 408 || code == 429 || code >= 500) {
                return new BlobTransientException(location, reason, e);
            }
            return new BlobFatalException(location, reason, e);
        }
        if (String.valueOf(e.getMessage()).contains("does not support refreshing the access token")) {
            // The server refused the token (401) and the credentials cannot get a new one.
            return new BlobAccessDeniedException(location, "GCS refused the access token and it cannot be refreshed; check the credentials", e);
        }
        if (e instanceof IOException || find(e, IOException.class)) {
            return new BlobTransientException(location, "GCS unreachable: " + e.getClass().getSimpleName(), e);
        }
        return new BlobFatalException(location, "GCS client failed: " + e.getClass().getSimpleName(), e);
    }

    private static boolean find(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP status behind a failure: the client sometimes wraps it in a StorageException with code 0. */
    private static int statusCode(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BaseServiceException service && service.getCode() > 0) {
                return service.getCode();
            }
            if (cause instanceof HttpResponseException http) {
                return http.getStatusCode();
            }
        }
        return 0;
    }
}
