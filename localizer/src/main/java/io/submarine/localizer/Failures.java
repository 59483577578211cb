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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.RemoteRepositoryException;

/** Which failures are worth another attempt, and the exit code each one ends the localizer with. */
final class Failures {
    private Failures() {}

    /** What a file system says when it takes no more writes: full, over its quota, read-only. */
    private static final Pattern VOLUME_REFUSAL = Pattern.compile("No space left on device|Disk quota exceeded|Read-only file system");

    /**
     * The file system's own words when a local one refused a write somewhere in {@code e}'s
     * causes (no source is at fault), or null. A git server may say the same of its own disk
     * (an {@code ERR} line, or {@code remote:} on its error channel): that is not the pod's volume.
     */
    static String volumeRefusal(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RemoteRepositoryException) {
                return null;
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            Matcher refusal = cause instanceof IOException && cause.getMessage() != null ? VOLUME_REFUSAL.matcher(cause.getMessage()) : null;
            if (refusal != null && refusal.find()) {
                return cause.getMessage().substring(0, refusal.start()).contains("remote:") ? null : refusal.group();
            }
        }
        return null;
    }

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
            if (cause instanceof SpecException || cause instanceof StorageConfigException || cause instanceof BlobNotFoundException
                    || cause instanceof LocalizationRun.VolumeRefusedWriteException) {
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
