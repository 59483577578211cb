package io.submarine.storage.cli;

import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Deletes objects; an absent one is not an error. */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete objects (absent ones are fine).")
final class RemoveCommand implements Callable<Integer> {

    @Mixin
    StorageOptions options;

    @Parameters(arity = "1..*", paramLabel = "OBJECT")
    List<String> objects;

    @Override
    public Integer call() throws IOException {
        try (BlobStores stores = options.stores()) {
            List<Location> locations = objects.stream().map(StorageOptions::location).toList();
            stores.deleteAll(locations);
        }
        return 0;
    }
}
