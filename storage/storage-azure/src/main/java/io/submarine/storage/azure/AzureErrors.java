package io.submarine.storage.azure;

import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import java.io.IOException;

/** The one place where Azure SDK failures become {@link BlobStoreException}s. */
final class AzureErrors {
    private AzureErrors() {}

    static BlobStoreException classify(Location location, RuntimeException e) {
        if (e instanceof BlobStorageException azure) {
            int status = azure.getStatusCode();
            BlobErrorCode code = azure.getErrorCode();
            String reason = "Azure " + status + (code == null ? "" : " " + code);
            if (status == 404) {
                return new BlobNotFoundException(location, reason, e);
            }
            if (status == 412 || (status == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code))) {
                return new BlobExistsException(location, reason + ": an object already exists here", e);
            }
            if (status == 401 || status == 403) {
                return new BlobAccessDeniedException(location, reason + ": check the account key, SAS or connection string", e);
            }
            if (status == 408 || status == 429 || status >= 500) {
                return new BlobTransientException(location, reason, e);
            }
            return new BlobFatalException(location, reason, e);
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof java.util.concurrent.TimeoutException) {
                return new BlobTransientException(location, "Azure unreachable: " + cause.getClass().getSimpleName(), e);
            }
        }
        return new BlobFatalException(location, "Azure client failed: " + e.getClass().getSimpleName(), e);
    }
}
