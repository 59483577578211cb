package io.submarine.sidecar.lifecycle;

/** A failure that ends the program with a chosen {@link ExitCode}; its message is what the user reads. */
public class ProgramException extends RuntimeException {
    private final ExitCode exitCode;

    public ProgramException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ProgramException(ExitCode exitCode, String message) {
        this(exitCode, message, null);
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
