package io.submarine.localizer.fetch;

import java.io.IOException;

/** The git server refused the credentials or the host key; not retried. */
public final class GitAuthException extends IOException {
    public GitAuthException(String message, Throwable cause) {
        super(message, cause);
    }
}
