package io.submarine.localizer.fetch;

import java.io.IOException;

/** Downloaded bytes do not have the expected digest; nothing was put in place. Never retried. */
public final class ChecksumMismatchException extends IOException {
    public ChecksumMismatchException(String what, String expected, String actual) {
        super(what + " has sha256 " + actual + ", expected " + expected);
    }
}
