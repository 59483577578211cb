package io.submarine.storage.s3;

import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.Location;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The one place where AWS SDK failures become {@link BlobStoreException}s. */
final class S3Errors {
    private S3Errors() {}

    static BlobStoreException classify(Location location, SdkException e) {
        if (e instanceof S3Exception s3) {
            int status = s3.statusCode();
            String code = s3.awsErrorDetails() == null ? "" : s3.awsErrorDetails().errorCode();
            String reason = "S3 " + status + (code == null || code.isEmpty() ? "" : " " + code);
            if (status == 404) {
                return new BlobNotFoundException(location, reason, e);
            }
            if (status == 412) {
                return new BlobExistsException(location, reason + ": an object already exists here", e);
            }
            if (status == 401 || status == 403) {
                return new BlobAccessDeniedException(location, reason + ": check the credentials and their permissions", e);
            }
            if (status == 409 && "ConditionalRequestConflict".equals(code)) {
                // Another conditional write to this key is in flight; it or we will win on retry.
                return new BlobTransientException(location, reason, e);
            }
            if (status == 429 || status >= 500 || "SlowDown".equals(code) || "RequestTimeout".equals(code)) {
                return new BlobTransientException(location, reason, e);
            }
            return new BlobFatalException(location, reason, e);
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).startsWith("Unable to load credentials")) {
            return new BlobAccessDeniedException(location, "no AWS credentials found: set s3.access-key-id-file and s3.secret-access-key-file,"
                    + " or provide them through the AWS chain (AWS_* variables, a profile, web identity, instance role)", e);
        }
        if (e instanceof SdkClientException && e.retryable()) {
            return new BlobTransientException(location, "S3 unreachable: " + e.getClass().getSimpleName(), e);
        }
        if (e instanceof SdkClientException client && client.getCause() instanceof java.io.IOException) {
            return new BlobTransientException(location, "S3 connection failed: " + client.getCause().getClass().getSimpleName(), e);
        }
        return new BlobFatalException(location, "S3 client failed: " + e.getClass().getSimpleName(), e);
    }
}
