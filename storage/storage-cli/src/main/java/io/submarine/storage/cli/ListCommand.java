package io.submarine.storage.cli;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStores;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Lists every object below a directory, as it is paged in (a huge prefix streams). */
@Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List every object below a directory, at any depth.")
final class ListCommand implements Callable<Integer> {

    @Mixin
    StorageOptions options;

    @Option(names = {"-l", "--long"}, description = "Also print size, modification time and version.")
    boolean details;

    @Parameters(index = "0", paramLabel = "DIRECTORY")
    String directory;

    @Override
    public Integer call() throws IOException {
        try (BlobStores stores = options.stores()) {
            BlobIterator listing = stores.list(StorageOptions.location(directory));
            while (listing.hasNext()) {
                BlobInfo info = listing.next();
                System.out.println(details
                        ? String.format("%12d  %s  %s  %s", info.size(), info.lastModified(), info.version(), info.location())
                        : info.location().toString());
            }
        }
        return 0;
    }
}
