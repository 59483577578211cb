package io.submarine.localizer;

import io.submarine.sidecar.lifecycle.Program;

/** {@code localizer}: the init container's entry point. */
public final class Localizer {
    private Localizer() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(System.getenv(), args);
    }

    /** With {@code environment} in place of the process's: flags' variables, pod identity, storage settings. */
    static int run(java.util.Map<String, String> environment, String... args) {
        return new Program("LOCALIZER", environment, Failures::exitCode).run(new LocalizerCommand(environment), args);
    }
}
