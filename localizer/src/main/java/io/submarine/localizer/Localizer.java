package io.submarine.localizer;

import io.submarine.sidecar.lifecycle.Program;

/** {@code localizer}: the init container's entry point. */
public final class Localizer {
    private Localizer() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new Program("LOCALIZER", System.getenv(), Failures::exitCode).run(new LocalizerCommand(), args);
    }
}
