package io.submarine.storage.cli;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Streams objects from one location to another; a failed copy leaves no partial object. */
@Command(name = "copy", aliases = "cp", mixinStandardHelpOptions = true,
        description = "Copy an object, or with --recursive every object below a directory. '-' is stdin/stdout.")
final class CopyCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(CopyCommand.class);

    @Mixin
    StorageOptions options;

    @Option(names = {"-r", "--recursive"}, description = "Copy every object below SOURCE into TARGET, keeping relative names.")
    boolean recursive;

    @Option(names = "--if-absent", description = "Create each target only if it does not exist (atomic); an existing one is an error.")
    boolean ifAbsent;

    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET")
    String target;

    @Override
    public Integer call() throws IOException {
        WriteMode mode = ifAbsent ? WriteMode.CREATE_IF_ABSENT : WriteMode.OVERWRITE;
        try (BlobStores stores = options.stores()) {
            if (source.equals("-")) {
                long bytes = stores.write(StorageOptions.location(target), System.in, mode);
                LOG.info("copied {} bytes from stdin to {}", bytes, StorageOptions.location(target));
                return 0;
            }
            Location from = StorageOptions.location(source);
            if (target.equals("-")) {
                try (InputStream in = stores.open(from)) {
                    in.transferTo(System.out);
                }
                System.out.flush();
                return 0;
            }
            Location to = StorageOptions.location(target);
            if (recursive) {
                long objects = 0;
                long bytes = 0;
                BlobIterator listing = stores.list(from);
                while (listing.hasNext()) {
                    BlobInfo info = listing.next();
                    String relative = info.location().path().substring(from.asDirectory().path().length());
                    bytes += copy(stores, info.location(), to.asDirectory().resolve(relative), mode);
                    objects++;
                }
                LOG.info("copied {} objects, {} bytes, from {} to {}", objects, bytes, from, to);
                return 0;
            }
            if (target.endsWith("/")) {
                to = to.asDirectory().resolve(from.fileName());
            }
            long bytes = copy(stores, from, to, mode);
            LOG.info("copied {} bytes from {} to {}", bytes, from, to);
            return 0;
        }
    }

    private static long copy(BlobStores stores, Location from, Location to, WriteMode mode) throws IOException {
        try (InputStream in = stores.open(from)) {
            return stores.write(to, in, mode);
        }
    }
}
