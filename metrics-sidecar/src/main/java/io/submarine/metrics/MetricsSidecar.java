package io.submarine.metrics;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.Program;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.StorageConfigException;
import java.io.IOException;
import java.util.Map;

/** {@code metrics-sidecar}: the sidecar's entry point. */
public final class MetricsSidecar {
    private MetricsSidecar() {}

    public static void main(String[] args) {
        System.exit(run(System.getenv(), args));
    }

    /** With {@code environment} in place of the process's: flags' variables, pod identity, storage settings. */
    static int run(Map<String, String> environment, String... args) {
        return new Program("METRICS_SIDECAR", environment, MetricsSidecar::exitCode).run(new MetricsSidecarCommand(environment), args);
    }

    private static ExitCode exitCode(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof StorageConfigException) {
                return ExitCode.CONFIG;
            }
            if (cause instanceof BlobAccessDeniedException) {
                return ExitCode.AUTH;
            }
            if (cause instanceof IOException) {
                return ExitCode.UNREACHABLE;
            }
        }
        return null;
    }
}
