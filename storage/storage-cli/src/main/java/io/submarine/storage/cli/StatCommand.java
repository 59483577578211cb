package io.submarine.storage.cli;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobStores;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Prints what the store knows of one object. */
@Command(name = "stat", mixinStandardHelpOptions = true, description = "Print size, modification time and version of an object.")
final class StatCommand implements Callable<Integer> {

    @Mixin
    StorageOptions options;

    @Parameters(index = "0", paramLabel = "OBJECT")
    String object;

    @Override
    public Integer call() throws IOException {
        try (BlobStores stores = options.stores()) {
            BlobInfo info = stores.stat(StorageOptions.location(object));
            System.out.printf("location: %s%nsize: %d%nmodified: %s%nversion: %s%n", info.location(), info.size(), info.lastModified(), info.version());
        }
        return 0;
    }
}
