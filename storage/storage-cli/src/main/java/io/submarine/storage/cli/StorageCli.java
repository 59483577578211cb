package io.submarine.storage.cli;

import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.Program;
import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.StorageConfigException;
import java.util.concurrent.Callable;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Command;

/**
 * {@code storage}: copy, list, print, inspect and delete objects across any two storage URIs,
 * through the same library the sidecars use. Settings come from {@code SUBMARINE_STORAGE_*}
 * variables or {@code --set key=value}; credentials only from files or the SDKs' chains.
 */
@Command(name = "storage", mixinStandardHelpOptions = true, version = "submarine-storage 0.1.0",
        description = "Copy, list and read objects on file://, hdfs://, s3://, gs://, abfs(s)://, memory:// and read-only http(s)://, sftp://.",
        subcommands = {CopyCommand.class, ListCommand.class, CatCommand.class, StatCommand.class, RemoveCommand.class, SelfTestCommand.class})
public final class StorageCli implements Callable<Integer> {

    @Override
    public Integer call() throws java.io.IOException {
        // No subcommand: the self-test on its embedded defaults, so the tool shows it works.
        return new SelfTestCommand().call();
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(run(args));
    }

    static int run(String... args) {
        return new Program("STORAGE", System.getenv(), StorageCli::exitCodeOf).run(new StorageCli(), args);
    }

    /** How storage failures end the tool: the same codes every program documents. */
    static ExitCode exitCodeOf(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof StorageConfigException || cause instanceof BlobNotFoundException || cause instanceof BlobExistsException) {
                return ExitCode.CONFIG;
            }
            if (cause instanceof BlobAccessDeniedException) {
                return ExitCode.AUTH;
            }
            if (cause instanceof BlobTransientException || cause instanceof java.net.ConnectException) {
                return ExitCode.UNREACHABLE;
            }
        }
        return null;
    }
}
