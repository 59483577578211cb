package io.submarine.localizer;

import io.submarine.localizer.archive.UnsafeArchiveException;
import io.submarine.localizer.fetch.ChecksumMismatchException;
import io.submarine.localizer.fetch.GitAuthException;
import io.submarine.localizer.fetch.InvalidContentException;
import io.submarine.localizer.spec.SpecException;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.StorageConfigException;
import java.io.IOException;

/** Which failures are worth another attempt, and the exit code each one ends the localizer with. */
final class Failures {
    private Failures() {}

    /** Timeouts, 5xx, lost connections: yes. Anything the same request would meet again: no. */
    static boolean retryable(IOException e) {
        if (e instanceof BlobStoreException storage) {
            return storage.retryable();
        }
        return !(e instanceof UnsafeArchiveException || e instanceof ChecksumMismatchException || e instanceof InvalidContentException
                || e instanceof GitAuthException || e instanceof LocalizationRun.LocalizationTimeoutException
                || e instanceof java.nio.file.FileSystemException);
    }

    static ExitCode exitCode(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SpecException || cause instanceof StorageConfigException || cause instanceof BlobNotFoundException) {
                return ExitCode.CONFIG;
            }
            if (cause instanceof BlobAccessDeniedException || cause instanceof GitAuthException) {
                return ExitCode.AUTH;
            }
            if (cause instanceof UnsafeArchiveException || cause instanceof InvalidContentException) {
                return ExitCode.INVALID_CONTENT;
            }
            if (cause instanceof ChecksumMismatchException) {
                return ExitCode.CHECKSUM;
            }
            if (cause instanceof IOException) {
                return ExitCode.UNREACHABLE;
            }
        }
        return null;
    }
}
