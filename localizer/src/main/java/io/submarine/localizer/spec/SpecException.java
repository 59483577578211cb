package io.submarine.localizer.spec;

/** The localization spec or flags are wrong; the message says what to change. */
public final class SpecException extends IllegalArgumentException {
    public SpecException(String message) {
        super(message);
    }
}
