package io.submarine.localizer.fetch;

import java.io.IOException;

/** The source is there but its content can't be used as is (no manifest, a malformed one). Never retried. */
public final class InvalidContentException extends IOException {
    public InvalidContentException(String message) {
        super(message);
    }

    public InvalidContentException(String message, Throwable cause) {
        super(message, cause);
    }
}
