package io.submarine.localizer.archive;

import java.io.IOException;

/** The archive would write outside its target, or breaks a limit, or is malformed: never retried. */
public final class UnsafeArchiveException extends IOException {
    public UnsafeArchiveException(String message) {
        super(message);
    }

    public UnsafeArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
