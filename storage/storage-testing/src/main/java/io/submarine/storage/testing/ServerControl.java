package io.submarine.storage.testing;

/** A real server a fixture runs, which a test may kill (abruptly, like a crash) and start again. */
public interface ServerControl {
    /** Kills the server at once, without a graceful shutdown. */
    void kill() throws Exception;

    /** Starts it again with the same address and data. */
    void start() throws Exception;
}
