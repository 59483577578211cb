package io.submarine.localizer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** A run of the localizer in this JVM with what it logged (its log goes to stderr), to check messages. */
record LoggedRun(int exit, String log) {

    static LoggedRun of(IntSupplier run) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = run.getAsInt();
            return new LoggedRun(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }
}
