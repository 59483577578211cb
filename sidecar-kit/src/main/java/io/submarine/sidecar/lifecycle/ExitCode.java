package io.submarine.sidecar.lifecycle;

/**
 * The exit codes of every program, with the same meaning everywhere, so that a pod's status
 * says what went wrong before anyone reads a log. Listed in each program's {@code --help}.
 */
public enum ExitCode {
    /** Done: everything was put in place or shipped. */
    OK(0, "success"),
    /** A bug or an unexpected failure; the message and the log say more. */
    INTERNAL(1, "unexpected internal error"),
    /** A flag, variable or file of the configuration is wrong; the message says which and how to fix it. */
    CONFIG(2, "configuration error"),
    /** A server or source stayed unreachable after every retry. */
    UNREACHABLE(3, "source or storage unreachable after retries"),
    /** Credentials were refused; not retried. */
    AUTH(4, "authentication or permission refused"),
    /** Content is unsafe or invalid (an archive escaping its target, a malformed file). */
    INVALID_CONTENT(5, "unsafe or invalid content"),
    /** Data did not match its expected digest. */
    CHECKSUM(6, "checksum mismatch"),
    /** The shutdown deadline passed with work left; the message says what and where it stays. */
    DEADLINE(7, "shutdown deadline exceeded with work left");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The table for {@code --help}. */
    public static String table() {
        StringBuilder table = new StringBuilder();
        for (ExitCode exit : values()) {
            table.append(String.format("  %d  %s%n", exit.code, exit.meaning));
        }
        return table.toString();
    }
}
