package io.submarine.storage;

/** A setting or location that cannot work as given; the message says what to change. */
public final class StorageConfigException extends IllegalArgumentException {
    public StorageConfigException(String message) {
        super(message);
    }
}
